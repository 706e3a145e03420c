import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";
import type { MiddlewareHandler } from "hono";

const REALM = "metrics-aggregator";
/** Compared against when the user is unknown, so an unknown user costs what a wrong password does. */
const DUMMY_HASH = "$2b$10$38q7Sop8sc9ryIGdtC2SkeZ7QwQxPoFYkytKz.sqDE1zhztHVuqeS";
/** Credentials that passed, remembered (as digests) so a scrape every 15 s costs one bcrypt, not one each. */
const REMEMBERED = 64;

/** The user and password of a `Basic` Authorization header, if it is one. */
function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Basic auth against the bcrypt hashes of a web configuration file, as the
 * exporter-toolkit checks them. bcrypt is slow on purpose (tens of
 * milliseconds at cost 10): bcryptjs compares asynchronously, in slices, so
 * the event loop keeps serving, and a pair that passed is remembered by its
 * SHA-256 (never in clear) so repeated scrapes do not pay again.
 */
export function bcryptUsersAuth(users: ReadonlyMap<string, string>): MiddlewareHandler {
  const passed = new Set<string>();
  return async (c, next) => {
    const given = basicCredentials(c.req.header("authorization"));
    if (given !== undefined) {
      const hash = users.get(given.user);
      const digest = createHash("sha256")
        .update(`${given.user}\u0000${given.password}\u0000${hash ?? ""}`)
        .digest("base64");
      let ok = hash !== undefined && passed.has(digest);
      if (!ok) {
        const matches = await bcrypt.compare(given.password, hash ?? DUMMY_HASH);
        ok = matches && hash !== undefined;
        if (ok) {
          if (passed.size >= REMEMBERED) passed.delete(passed.values().next().value as string);
          passed.add(digest);
        }
      }
      if (ok) return next();
    }
    return c.text("Unauthorized", 401, { "www-authenticate": `Basic realm="${REALM}"` });
  };
}
