import { describe, expect, it } from "vitest";
import { deferred, FakeCluster, type FakeProducer, producerFenced } from "../support/fake-cluster.js";
import {
  CHANGELOG,
  detections,
  GROUP,
  garbage,
  type HarnessOptions,
  LifecycleMember,
  TOPIC,
} from "../support/lifecycle-harness.js";

const DURABLE: HarnessOptions = { mode: "durable" };
const P0 = { [TOPIC]: [0] };
const NONE = { [TOPIC]: [] };

/** Runs the event loop until `condition` holds, without fetching (the lifecycle's own promises only). */
async function until(what: string, condition: () => boolean): Promise<void> {
  for (let round = 0; round < 200; round++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`${what} did not happen`);
}

/** A member that opened partition 0, applied every record in it and committed them. */
async function consumingMember(cluster: FakeCluster, options = DURABLE): Promise<LifecycleMember> {
  const member = new LifecycleMember(cluster, options);
  member.consumer.join(P0);
  await member.settle(
    "partition 0 applied to its end",
    () => member.tasks.status().ready && caughtUp(member),
  );
  await member.tasks.commitAll();
  return member;
}

/** The member's state of partition 0 holds every record of it. */
function caughtUp(member: LifecycleMember): boolean {
  const state = member.tasks.shownStates("detection")[0];
  return state?.nextOffset === String(member.cluster.records(TOPIC, 0).length);
}

/**
 * A second member restoring partition 0 from what a first member (now gone) committed of 5 records:
 * its open fenced and pointed the consumer at the changelog; no fetch has brought it yet.
 */
async function restoringMember(): Promise<{ cluster: FakeCluster; member: LifecycleMember }> {
  const cluster = new FakeCluster();
  cluster.append(TOPIC, 0, detections(5));
  await (await consumingMember(cluster)).tasks.close();
  const member = new LifecycleMember(cluster, DURABLE);
  member.consumer.join(P0);
  await until("the restore", () => member.tasks.status().detail.includes(`restoring from ${CHANGELOG}`));
  return { cluster, member };
}

/** Producers the member's store made for partition 0, newest last. */
function producersOf(cluster: FakeCluster, from = 0): FakeProducer[] {
  return cluster.producers.slice(from).filter((p) => p.transactionalId === `${GROUP}/${TOPIC}/0`);
}

describe("the partition lifecycle (durable state, without a broker)", () => {
  it("opens, applies and commits: /metrics shows what the transaction made durable, offset with it", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(5));
    const member = await consumingMember(cluster);
    expect(await member.shownDetections()).toBe(5);
    expect(cluster.committedOffset(GROUP, TOPIC, 0)).toBe("5");
    // The open's claim of the owner epoch (at offset 0), then the commit of the 5 records.
    expect(cluster.transactions.map((t) => [...t.offsets.values()])).toEqual([["0"], ["5"]]);
    expect(producersOf(cluster)[0]?.calls).toEqual([
      "connect",
      "init",
      "abort",
      `send:${CHANGELOG}`,
      "offsets",
      "commit",
      `send:${CHANGELOG}`,
      "offsets",
      "commit",
    ]);
    expect(member.tasks.status()).toEqual({ ready: true, detail: "1 partitions consuming" });
    expect(member.tasks.ownerEpochs()).toEqual([
      { stream: "detection", topic: TOPIC, partition: 0, epoch: 1 },
    ]);
  });

  it("claims an owner epoch above every earlier owner's, committed before it shows it; a claim refused shows nothing", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(5));
    await (await consumingMember(cluster)).tasks.close();
    const second = await consumingMember(cluster);
    expect(second.tasks.ownerEpochs()).toEqual([
      { stream: "detection", topic: TOPIC, partition: 0, epoch: 2 },
    ]);
    await second.tasks.close();
    // The third owner's claim is fenced: it shows neither the partition nor an epoch, and claims again later.
    cluster.nextProducer = (producer) => {
      if (producer.id === 3) producer.failures.commit = producerFenced();
    };
    const third = new LifecycleMember(cluster, DURABLE);
    third.consumer.join(P0);
    await third.settle("the claim", () => third.logged("partition_failed").length === 1);
    expect(third.logged("partition_failed")).toMatchObject([{ stage: "open", fenced: true }]);
    expect(third.tasks.ownerEpochs()).toEqual([]);
    expect(await third.shownDetections()).toBe(0);
    third.clock.ms += 60_000;
    third.consumer.heartbeat(third.clock.ms);
    await third.settle("the reopen", () => third.tasks.status().ready && caughtUp(third));
    expect(third.tasks.ownerEpochs()).toEqual([
      { stream: "detection", topic: TOPIC, partition: 0, epoch: 3 },
    ]);
    expect(await third.shownDetections()).toBe(5);
  });

  it("revoked during its restore: abandons the restore, closes its producer, never seeks or shows the partition", async () => {
    const { cluster, member } = await restoringMember();
    const seeks = member.consumer.seeks.length;
    member.consumer.rebalance(NONE);
    await member.settle("the revoke", () => producersOf(cluster, 1).every((p) => !p.connected));
    expect(member.consumer.seeks.slice(seeks)).toEqual([]);
    expect(member.consumer.isPaused(CHANGELOG, 0)).toBe(true);
    expect(member.tasks.status()).toEqual({ ready: true, detail: "0 partitions consuming" });
    expect(member.logged("partition_failed")).toEqual([]);
    expect(await member.shownDetections()).toBe(0);
    // The first member's claim and commit; nothing of this one.
    expect(cluster.transactions).toHaveLength(2);
  });

  it("revoked during a commit: hidden at once, the commit finishes, then the producer closes", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(5));
    const member = await consumingMember(cluster);
    cluster.append(TOPIC, 0, detections(3));
    await member.settle("3 more applied", () => caughtUp(member));
    const producer = producersOf(cluster)[0] as FakeProducer;
    const gate = deferred();
    producer.gates.commit = gate.promise;
    const commit = member.tasks.commitAll();
    await until("the commit request", () => producer.calls.filter((c) => c === "commit").length === 3);
    member.consumer.rebalance(NONE);
    // Another member may own it now: nothing of it is shown, whatever the commit does.
    expect(await member.shownDetections()).toBe(0);
    expect(producer.connected).toBe(true);
    gate.resolve();
    await commit;
    await until("the producer closed", () => !producer.connected);
    expect(producer.calls.slice(-2)).toEqual(["commit", "disconnect"]);
    expect(cluster.committedOffset(GROUP, TOPIC, 0)).toBe("8");
    expect(member.logged("partition_failed")).toEqual([]);
  });

  it("fenced on a commit: drops its state, and opens again only after the group confirmed it, from what Kafka holds", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(5));
    const member = await consumingMember(cluster);
    cluster.append(TOPIC, 0, detections(3));
    await member.settle("3 more applied", () => caughtUp(member));
    const first = producersOf(cluster)[0] as FakeProducer;
    first.failures.commit = producerFenced();
    await member.tasks.commitAll();
    expect(member.logged("partition_failed")).toMatchObject([
      { stage: "commit", fenced: true, retryInMs: 500 },
    ]);
    expect(member.tasks.status()).toEqual({
      ready: false,
      detail: `partition ${TOPIC}:0: commit failed: ending the transaction: There is a newer producer with the same transactionalId which fences the current one (PRODUCER_FENCED)`,
    });
    expect(await member.shownDetections()).toBe(0);
    expect(member.consumer.isPaused(TOPIC, 0)).toBe(true);
    expect(first.calls.slice(-2)).toEqual(["abort", "disconnect"]);
    // Past its backoff, but the coordinator has not confirmed this member since: it may be the zombie.
    member.clock.ms += 60_000;
    member.tasks.onMembershipProven();
    expect(producersOf(cluster)).toHaveLength(1);
    member.consumer.heartbeat(member.clock.ms);
    await member.settle("the reopen", () => member.tasks.status().ready && caughtUp(member));
    expect(await member.shownDetections()).toBe(5);
    await member.tasks.commitAll();
    expect(await member.shownDetections()).toBe(8);
    expect(cluster.committedOffset(GROUP, TOPIC, 0)).toBe("8");
    expect(member.consumer.seeks.slice(-1)).toEqual([`${TOPIC}:0@5`]);
  });

  it("a commit that fails for a transient reason: aborted, retried after a backoff that doubles and resets", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(2));
    const timeout = () =>
      Object.assign(new Error("Request timed out"), { name: "KafkaJSRequestTimeoutError" });
    const member = new LifecycleMember(cluster, DURABLE);
    member.consumer.join(P0);
    const fail = async (attempt: number) => {
      await member.settle(`open ${attempt}`, () => member.tasks.status().ready && caughtUp(member));
      (producersOf(cluster).at(-1) as FakeProducer).failures.send = timeout();
      await member.tasks.commitAll();
      expect(member.logged("partition_failed")).toHaveLength(attempt);
    };
    await fail(1);
    // Too early for the backoff: the heartbeat does not reopen it.
    member.clock.ms += 400;
    member.consumer.heartbeat(member.clock.ms);
    expect(cluster.producers).toHaveLength(1);
    member.clock.ms += 100;
    member.consumer.heartbeat(member.clock.ms);
    await fail(2);
    member.clock.ms += 1_000;
    member.consumer.heartbeat(member.clock.ms);
    await fail(3);
    member.clock.ms += 2_000;
    member.consumer.heartbeat(member.clock.ms);
    await member.settle("open 4", () => member.tasks.status().ready && caughtUp(member));
    await member.tasks.commitAll();
    expect(member.logged("partition_failed").map((line) => line.retryInMs)).toEqual([500, 1_000, 2_000]);
    expect(cluster.producers.map((p) => p.calls.includes("abort") && p.calls.at(-1))).toEqual([
      "disconnect",
      "disconnect",
      "disconnect",
      "commit",
    ]);
    expect(await member.shownDetections()).toBe(2);
    expect(member.reported).toMatchObject({ committedRecords: 2, stateCommits: 1, failedCommits: 3 });
    // A commit that succeeds resets the backoff: the next failure waits 500 ms again.
    cluster.append(TOPIC, 0, detections(1));
    await member.settle("one more applied", () => caughtUp(member));
    (producersOf(cluster)[3] as FakeProducer).failures.send = timeout();
    await member.tasks.commitAll();
    expect(member.logged("partition_failed").at(-1)?.retryInMs).toBe(500);
  });

  it("assigned again while its first open is fencing: one producer is left, the newest, and the partition opens once", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(4));
    const firstConnects = deferred();
    cluster.nextProducer = (producer) => {
      if (producer.id === 1) producer.gates.connect = firstConnects.promise;
    };
    const member = new LifecycleMember(cluster, DURABLE);
    member.consumer.join(P0);
    await until("the first fence", () => cluster.producers[0]?.calls.includes("connect") === true);
    member.consumer.rebalance(P0);
    firstConnects.resolve();
    await member.settle("the second open", () => member.tasks.status().ready && caughtUp(member));
    await member.tasks.commitAll();
    expect(cluster.producers.map((p) => p.connected)).toEqual([false, true]);
    // The first open's fence ran to its end before it found out; the newest producer claimed the id last.
    expect(cluster.claims).toEqual([`${GROUP}/${TOPIC}/0#1`, `${GROUP}/${TOPIC}/0#2`]);
    expect(member.logged("partition_opened")).toHaveLength(1);
    expect(member.logged("partition_failed")).toEqual([]);
    expect(await member.shownDetections()).toBe(4);
  });

  it("a zombie that wakes after its lease ran out: hidden meanwhile, its commits refused, then restored with the new owner's", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(5));
    const zombie = await consumingMember(cluster);
    // Its heartbeats stop: the coordinator gives partition 0 to another member once the session ends.
    zombie.consumer.lease = false;
    expect(await zombie.shownDetections()).toBe(0);
    cluster.append(TOPIC, 0, detections(3));
    const owner = await consumingMember(cluster);
    expect(await owner.shownDetections()).toBe(8);
    // The zombie still fetches and commits what it applied: the owner's fence refuses it.
    await zombie.settle("the zombie applies", () => zombie.tasks.shownStates("detection").length === 0);
    await zombie.consumer.fetch();
    await zombie.tasks.commitAll();
    expect(zombie.logged("partition_failed")).toMatchObject([{ stage: "commit", fenced: true }]);
    // Each owner's claim and commit; none of the zombie's after the owner's fence.
    expect(cluster.transactions.map((t) => t.producer)).toEqual([1, 1, 2, 2]);
    // It rejoins and is given partition 0 again (the owner left): it restores what the owner committed.
    await owner.tasks.close();
    zombie.consumer.rebalance(P0);
    zombie.clock.ms += 60_000;
    zombie.consumer.heartbeat(zombie.clock.ms);
    await zombie.settle("the zombie's reopen", () => zombie.tasks.status().ready && caughtUp(zombie));
    expect(await zombie.shownDetections()).toBe(8);
    expect(cluster.committedOffset(GROUP, TOPIC, 0)).toBe("8");
  });

  it("a member that kept its partition through a rebalance proves it still owns it with a commit before it seeks", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, detections(5));
    const member = await consumingMember(cluster);
    member.consumer.rebalance(P0);
    await member.settle("the proof", () => cluster.transactions.length === 3);
    // The claim, the commit; then the commit the rebalance started had nothing to write: the proof is a
    // transaction with the same offset.
    expect(cluster.transactions.map((t) => [...t.offsets.values()])).toEqual([["0"], ["5"], ["5"]]);
    expect(member.consumer.seeks.at(-1)).toBe(`${TOPIC}:0@5`);
    expect(member.consumer.isPaused(TOPIC, 0)).toBe(false);
  });

  it("stopped during a restore: closes at once, no commit, no failure, no producer left", async () => {
    const { cluster, member } = await restoringMember();
    await member.tasks.flush();
    await member.tasks.close();
    await until("the producer closed", () => producersOf(cluster, 1).every((p) => !p.connected));
    // The changelog batch that arrives now goes nowhere.
    await member.consumer.fetch();
    expect(member.logged("partition_failed")).toEqual([]);
    expect(member.logged("partition_opened")).toEqual([]);
    expect(cluster.transactions).toHaveLength(2);
    member.consumer.heartbeat(member.clock.ms + 60_000);
    expect(cluster.producers).toHaveLength(2);
  });

  it("writes each reject's dead letter exactly once across a failed commit, and counts it once", async () => {
    const cluster = new FakeCluster();
    cluster.append(TOPIC, 0, [...detections(2), ...garbage(3), ...detections(2)]);
    const member = new LifecycleMember(cluster, { mode: "durable", deadLetterTopic: "dead-letters" });
    member.consumer.join(P0);
    await member.settle("the first open", () => member.tasks.status().ready && caughtUp(member));
    (producersOf(cluster)[0] as FakeProducer).failures.commit = new Error("the broker went away");
    await member.tasks.commitAll();
    expect(member.logged("partition_failed")).toHaveLength(1);
    expect(cluster.records("dead-letters", 0)).toHaveLength(0);
    member.clock.ms += 1_000;
    member.consumer.heartbeat(member.clock.ms);
    await member.settle("the reopen", () => member.tasks.status().ready && caughtUp(member));
    await member.tasks.commitAll();
    const letters = cluster.records("dead-letters", 0);
    expect(letters.map((letter) => letter.value?.toString())).toEqual([
      "not an event 0",
      "not an event 1",
      "not an event 2",
    ]);
    expect(member.reported).toMatchObject({ invalid: 3, committedRecords: 7 });
    expect(await member.shownDetections()).toBe(4);
  });
});
