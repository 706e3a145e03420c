import { createHash } from "node:crypto";

/**
 * Prefixes of credentials that must never become a label value (OpenAI,
 * Stripe, AWS, Google, Slack, GitHub, GitLab keys, and JWTs). A producer that
 * sends a key where a key *id* belongs must not leak it into every scrape.
 */
const SECRET =
  /^(?:sk-[A-Za-z0-9_-]{8,}|(?:sk|pk|rk)_(?:live|test)_|AKIA[0-9A-Z]{12,}|AIza[0-9A-Za-z_-]{20,}|xox[abposr]-|gh[pousr]_[A-Za-z0-9]{16,}|glpat-|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.)/;
// C0 and C1 control characters, DEL included: they break log lines and terminals, and carry no meaning in a label.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The value a label takes when nothing printable is left of it. */
export const EMPTY_LABEL = "(empty)";

/** A stable, short stand-in for a secret-looking value: the same key always maps to the same label. */
export function redact(value: string): string {
  return `redacted-${createHash("sha256").update(value).digest("hex").slice(0, 12)}`;
}

/**
 * Makes an event field safe to export as a label value: secret-looking values
 * are replaced by a short hash, control characters removed, surrounding blanks
 * trimmed, and the rest cut to `maxLength` UTF-16 units without splitting a
 * surrogate pair. Clean values (the usual case) come back as they are.
 */
export function labelValue(value: string, maxLength: number): string {
  if (SECRET.test(value)) return redact(value);
  CONTROL.lastIndex = 0;
  let clean = CONTROL.test(value) ? value.replace(CONTROL, "") : value;
  if (clean.length > maxLength || clean !== clean.trim()) {
    clean = clean.trim();
    if (clean.length > maxLength) {
      const cut = clean.charCodeAt(maxLength - 1);
      clean = clean.slice(0, cut >= 0xd800 && cut <= 0xdbff ? maxLength - 1 : maxLength);
    }
  }
  return clean === "" ? EMPTY_LABEL : clean;
}
