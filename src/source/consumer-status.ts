import type { Logger } from "pino";
import { type ComponentStatus, notReady } from "../util/component-status.js";

/** Longest a member may hear nothing from its broker and still be ready. */
const SILENCE_LIMIT_MS = 10_000;

/**
 * Whether the consumer is a working member of its group. Membership is what
 * kafkajs reports (joins, rebalances, crashes); readiness also needs a broker
 * that answers: an idle consumer still fetches (long polls) and heartbeats,
 * so {@link SILENCE_LIMIT_MS} of silence means the broker is gone, even while
 * kafkajs retries quietly.
 *
 * The membership lease: the group coordinator gives a member's partitions to
 * others once it has not heard from it for the session timeout. So this
 * member may speak for its partitions only while its last heartbeat (or
 * join) is younger than that; after a freeze (a long GC pause, SIGSTOP) it
 * knows it may be a zombie before kafkajs tells it.
 */
export class ConsumerStatus {
  private membership: ComponentStatus = notReady("not started");
  private current: ComponentStatus = notReady("not started");
  private lastContactMs = 0;
  private lastProofMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sessionTimeoutMs: number,
    private readonly logger: Logger,
    private readonly onChange: (status: ComponentStatus) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records group membership as kafkajs reports it. */
  setMembership(member: boolean, detail: string): void {
    this.membership = { ready: member, detail };
    if (member) this.proveMembership();
    this.evaluate();
  }

  /** A broker answered a fetch, a commit or a heartbeat. */
  contact(): void {
    this.lastContactMs = this.now();
    this.evaluate();
  }

  /** The coordinator accepted a heartbeat or a join: the member owns its assignment for another session. */
  proveMembership(): void {
    this.lastProofMs = this.lastContactMs = this.now();
  }

  /** When membership was last proven (epoch ms). */
  get lastProvenMs(): number {
    return this.lastProofMs;
  }

  /** True while the coordinator cannot yet have given this member's partitions to another. */
  leaseValid(): boolean {
    return this.now() - this.lastProofMs < this.sessionTimeoutMs;
  }

  status(): ComponentStatus {
    return this.current;
  }

  /** Re-evaluates readiness (called on every signal and once a second). */
  evaluate(): void {
    const silentMs = this.now() - this.lastContactMs;
    const next: ComponentStatus = !this.membership.ready
      ? this.membership
      : silentMs > SILENCE_LIMIT_MS
        ? notReady(`no answer from Kafka for ${Math.round(silentMs / 1000)} s`)
        : this.membership;
    if (next.ready !== this.current.ready && this.membership.ready) {
      this.logger[next.ready ? "info" : "warn"](
        { event: next.ready ? "kafka_answering" : "kafka_silent", silentMs },
        next.ready ? "Kafka answers again" : "Kafka stopped answering",
      );
    }
    if (next.ready !== this.current.ready || next.detail !== this.current.detail) {
      this.current = next;
      this.onChange(next);
    }
  }
}
