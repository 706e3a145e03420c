/**
 * Where an input partition is in its lifecycle, in the manner of Kafka
 * Streams' `Task.State`:
 *
 * - `assigned`: the group gave it to this member; nothing started yet.
 * - `fencing`: its producer claims the partition's transactional id (durable
 *   mode), so no older owner can commit any more.
 * - `restoring`: its changelog partition is read back into its state.
 * - `seeking`: the consumer is pointed at the first record the state lacks.
 * - `consuming`: batches are applied; `/metrics` shows its committed state.
 * - `committing`: a commit is in flight; batches are still applied.
 * - `failed`: an open or a commit failed; its state is dropped, and it is
 *   opened again (`fencing`) after a backoff, once the group confirmed this
 *   member since.
 * - `revoking`: another member owns it now; its last commit may finish.
 * - `closed`: let go (revoked, or the service stopped).
 */
export type TaskPhase =
  | "assigned"
  | "fencing"
  | "restoring"
  | "seeking"
  | "consuming"
  | "committing"
  | "failed"
  | "revoking"
  | "closed";

/**
 * Every transition a task may make. An open can start again from any phase
 * of an open (a new assignment superseded it) or from `consuming` (memory
 * mode, after a missed generation); a commit can only start from
 * `consuming`; anything but `closed` can be revoked or closed.
 */
export const TRANSITIONS: { readonly [P in TaskPhase]: readonly TaskPhase[] } = {
  assigned: ["fencing", "revoking", "closed"],
  fencing: ["fencing", "restoring", "seeking", "failed", "revoking", "closed"],
  restoring: ["fencing", "seeking", "failed", "revoking", "closed"],
  seeking: ["consuming", "failed", "revoking", "closed"],
  consuming: ["committing", "fencing", "failed", "revoking", "closed"],
  committing: ["consuming", "failed", "revoking", "closed"],
  failed: ["fencing", "revoking", "closed"],
  revoking: ["closed"],
  closed: [],
};

/** Phases in which the partition's state is what `/metrics` shows. */
export const SHOWN_PHASES: ReadonlySet<TaskPhase> = new Set(["consuming", "committing"]);

/** Phases of an open in progress. */
export const OPENING_PHASES: ReadonlySet<TaskPhase> = new Set([
  "assigned",
  "fencing",
  "restoring",
  "seeking",
]);

/** A transition the table does not allow: a bug in the lifecycle, never a condition to handle. */
export class IllegalTransition extends Error {
  override readonly name = "IllegalTransition";

  constructor(task: string, from: TaskPhase, to: TaskPhase) {
    super(`partition ${task}: no transition from ${from} to ${to}`);
  }
}

/** The transition table as a Markdown table, for `docs/architecture.md`. */
export function transitionsMarkdown(): string {
  const rows = Object.entries(TRANSITIONS).map(
    ([from, to]) =>
      `| \`${from}\` | ${to.length === 0 ? "—" : to.map((phase) => `\`${phase}\``).join(", ")} |`,
  );
  return ["| from | to |", "| --- | --- |", ...rows].join("\n");
}
