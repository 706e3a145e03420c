import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";

/** Something the harness started and must not leave behind. */
export interface Leftover {
  /** `containers`: every container labelled with {@link SESSION_LABEL} = `id`. */
  readonly kind: "containers" | "process" | "folder";
  /** A session id, a pid, or a folder's path. */
  readonly id: string;
}

/** The label of every container the harness starts, valued with this process's {@link sessionId}. */
export const SESSION_LABEL = "metrics-aggregator.session";

/** This process's harness session: its containers carry it, from the moment they are created. */
export const sessionId = randomUUID();

let sessionGuarded = false;

/** Has the own reaper remove every container of this session left when this process ends. */
export function guardSessionContainers(): void {
  if (sessionGuarded) return;
  sessionGuarded = true;
  guard({ kind: "containers", id: sessionId });
}

const PROCESS = fileURLToPath(new URL("./own-reaper-process.ts", import.meta.url));
/** The checkout: `--import tsx` is resolved from the working directory. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let reaper: ChildProcess | undefined;

/**
 * Registers something the harness started with its own reaper (started on
 * first use, see `own-reaper-process.ts`), which removes it if this process
 * ends before it did; returns the function to call once this process removed
 * it itself.
 */
export function guard(thing: Leftover): () => void {
  send({ add: thing });
  return () => send({ remove: thing });
}

/** The pid of the reaper process, if one was started (tests check it is gone after the demo). */
export function ownReaperPid(): number | undefined {
  return reaper?.pid;
}

function send(message: { add?: Leftover; remove?: Leftover }): void {
  reaper ??= start();
  reaper.stdin?.write(`${JSON.stringify(message)}\n`);
}

function start(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", PROCESS], {
    cwd: ROOT,
    detached: true,
    stdio: ["pipe", "ignore", "inherit"],
  });
  // It must not keep this process alive, and its end must not be waited for.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.stdin?.on("error", () => {});
  return child;
}
