import type { GroupListener } from "../../src/source/consumer-contracts.js";
import type { BatchSink } from "../../src/source/record-batch.js";
import type {
  ConsumerControl,
  Membership,
  PauseReason,
} from "../../src/state/lifecycle/lifecycle-context.js";
import type { FakeCluster } from "./fake-cluster.js";

/** What the fake consumer reads: the group, and which changelog goes with each input topic. */
export interface FakeConsumerOptions {
  readonly groupId: string;
  readonly changelogOf: ReadonlyMap<string, string>;
  /** kafkajs commits each batch's offset itself (memory mode). */
  readonly autoCommit: boolean;
  /** Records per fetched batch at most. */
  readonly maxBatch?: number;
}

/**
 * The group consumer as the partition lifecycle sees it, over a
 * {@link FakeCluster}: pauses by reason, seeks, a membership lease the test
 * sets, and fetches the test drives one round at a time ({@link fetch}). Like
 * kafkajs, a join resets every position to the group's committed offset
 * (changelogs: their start), and a batch fetched before a seek is stale.
 */
export class FakeGroupConsumer implements ConsumerControl, Membership {
  /** The lease the coordinator grants: false once this member missed its heartbeats long enough. */
  lease = true;
  membershipProvenAt = 0;
  /** Every seek, as `topic:partition@offset`. */
  readonly seeks: string[] = [];
  private readonly pauses = new Map<string, Set<PauseReason>>();
  private readonly positions = new Map<string, bigint>();
  private readonly seekCounts = new Map<string, number>();
  private assigned: { topic: string; partition: number }[] = [];
  private target: (BatchSink & GroupListener) | undefined;

  constructor(
    private readonly cluster: FakeCluster,
    private readonly options: FakeConsumerOptions,
  ) {}

  /** The lifecycle this consumer feeds (the service's wiring does the same). */
  feed(target: BatchSink & GroupListener): void {
    this.target = target;
  }

  pause(topic: string, partition: number, reason: PauseReason): void {
    const key = `${topic}:${partition}`;
    const reasons = this.pauses.get(key) ?? new Set();
    reasons.add(reason);
    this.pauses.set(key, reasons);
  }

  resume(topic: string, partition: number, reason: PauseReason): void {
    this.pauses.get(`${topic}:${partition}`)?.delete(reason);
  }

  seek(topic: string, partition: number, offset: string): void {
    const key = `${topic}:${partition}`;
    this.positions.set(key, BigInt(offset));
    this.seekCounts.set(key, (this.seekCounts.get(key) ?? 0) + 1);
    this.seeks.push(`${key}@${offset}`);
  }

  leaseValid(): boolean {
    return this.lease;
  }

  isPaused(topic: string, partition: number): boolean {
    return (this.pauses.get(`${topic}:${partition}`)?.size ?? 0) > 0;
  }

  /** A rebalance: the group revokes everything, then the join gives this assignment of input partitions. */
  rebalance(inputs: Readonly<Record<string, readonly number[]>>): void {
    const target = this.attached();
    target.onRebalancing();
    this.join(inputs);
  }

  /** A join completes with this assignment (the first one, or after a rebalance began). */
  join(inputs: Readonly<Record<string, readonly number[]>>): void {
    const assignment = new Map<string, readonly number[]>();
    this.assigned = [];
    for (const [topic, partitions] of Object.entries(inputs)) {
      assignment.set(topic, partitions);
      const changelog = this.options.changelogOf.get(topic);
      for (const partition of partitions) {
        this.assigned.push({ topic, partition });
        const committed = this.cluster.committedOffset(this.options.groupId, topic, partition);
        this.positions.set(`${topic}:${partition}`, BigInt(committed ?? "0"));
        if (changelog === undefined) continue;
        this.assigned.push({ topic: changelog, partition });
        this.positions.set(`${changelog}:${partition}`, 0n);
      }
      if (changelog) assignment.set(changelog, partitions);
    }
    this.attached().onAssigned(assignment);
  }

  /** The coordinator accepted a heartbeat at `atMs`. */
  heartbeat(atMs: number): void {
    this.membershipProvenAt = atMs;
    this.lease = true;
    this.attached().onMembershipProven();
  }

  /**
   * One fetch round: a batch from each assigned partition that is not paused
   * and has records past its position, handed to the lifecycle one after
   * another; the position moves as far as the batch outcome says. Resolves
   * how many batches were delivered.
   */
  async fetch(): Promise<number> {
    const target = this.attached();
    let delivered = 0;
    for (const { topic, partition } of this.assigned) {
      const key = `${topic}:${partition}`;
      if (this.isPaused(topic, partition)) continue;
      const position = this.positions.get(key) ?? 0n;
      const log = this.cluster.records(topic, partition);
      if (position >= BigInt(log.length)) continue;
      const records = log.slice(Number(position), Number(position) + (this.options.maxBatch ?? 500));
      const nextOffset = String(position + BigInt(records.length));
      const seeksAtFetch = this.seekCounts.get(key) ?? 0;
      const isStale = () => (this.seekCounts.get(key) ?? 0) !== seeksAtFetch;
      const outcome = await target.handleBatch({ topic, partition, records, nextOffset, isStale });
      delivered++;
      if (isStale()) continue;
      if (outcome.status === "ignored") continue;
      const next = outcome.status === "done" ? nextOffset : outcome.nextOffset;
      this.positions.set(key, BigInt(next));
      if (this.options.autoCommit) this.cluster.commitOffset(this.options.groupId, topic, partition, next);
      target.onPosition(topic, partition, next);
    }
    return delivered;
  }

  private attached(): BatchSink & GroupListener {
    if (this.target === undefined) throw new Error("the fake consumer feeds no lifecycle yet");
    return this.target;
  }
}
