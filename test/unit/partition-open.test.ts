import { describe, expect, it, vi } from "vitest";
import type { StreamModel } from "../../src/aggregate/stream-model.js";
import { DeadLetterLimits } from "../../src/dead-letter/dead-letter-limits.js";
import { DurableStore } from "../../src/state/store/durable-store.js";
import type { OpenProgress, PartitionRef } from "../../src/state/store/state-store.js";
import { testCatalogue } from "../support/catalogue.js";
import { deferred, FakeCluster } from "../support/fake-cluster.js";
import { CHANGELOG, LifecycleMember, TOPIC } from "../support/lifecycle-harness.js";

const models = testCatalogue().models as ReadonlyMap<string, StreamModel>;
const PARTITION: PartitionRef = { topic: TOPIC, partition: 0, stream: "detection", changelog: CHANGELOG };

function durableStore(cluster: FakeCluster): DurableStore {
  return new DurableStore({
    kafkaFor: cluster.kafkaFor,
    admin: cluster.admin(),
    models,
    options: {
      groupId: "g",
      fromBeginning: true,
      seriesLimit: 100,
      transactionTimeoutMs: 60_000,
      deadLetterTemplate: undefined,
    },
    telemetry: { recordRestore() {}, recordDeadLetters() {}, recordDeadLettersCut() {} },
    deadLetterLimits: new DeadLetterLimits(async () => 1_000_000),
  });
}

/** An open's progress for a changelog that is empty (no restore is asked for), current while `current` says so. */
function progress(current: () => boolean): OpenProgress {
  return {
    current,
    heardBy() {},
    restore: () => Promise.reject(new Error("an empty changelog is not read")),
  };
}

describe("opening a partition's durable state", () => {
  it("keeps one producer when a second open supersedes the first mid-fence: the newest, which claims the id last", async () => {
    const cluster = new FakeCluster();
    const store = durableStore(cluster);
    const firstConnects = deferred();
    cluster.nextProducer = (producer) => {
      if (producer.id === 1) producer.gates.connect = firstConnects.promise;
    };
    let attempt = 1;
    const first = store
      .open(
        PARTITION,
        progress(() => attempt === 1),
      )
      .then(
        () => "opened",
        (error: Error) => error.name,
      );
    // The first open is fencing (its producer connecting) when the partition is opened again.
    await vi.waitFor(() => expect(cluster.producers[0]?.calls).toEqual(["connect"]));
    attempt = 2;
    const second = store.open(
      PARTITION,
      progress(() => attempt === 2),
    );
    firstConnects.resolve();
    const opened = await second;
    expect(await first).toBe("RestoreCancelled");
    // The superseded open closed its producer: one connection is left, the current open's, and it claimed
    // the transactional id last (no older producer fenced it after it did).
    expect(cluster.producers.filter((p) => p.connected).map((p) => p.id)).toEqual([2]);
    expect(cluster.claims).toEqual(["g/detection-events/0#1", "g/detection-events/0#2"]);
    await opened.close();
    expect(cluster.producers.filter((p) => p.connected)).toEqual([]);
  });

  it("blames a partition's failure on what its own producer heard from the brokers, not on another partition's", async () => {
    const cluster = new FakeCluster();
    // Partition 0's transactional id is refused (kafkajs reports only "Failed to find group coordinator",
    // its connection log has the answer); partition 1 fails the same way for a reason of its own.
    cluster.nextProducer = (producer) => {
      if (producer.transactionalId === `g/${TOPIC}/0`)
        producer.heard.note("Transactional Id authorization failed");
      producer.failures.connect = Object.assign(new Error("Failed to find group coordinator"), {
        name: "KafkaJSGroupCoordinatorNotFound",
      });
    };
    const member = new LifecycleMember(cluster, { mode: "durable" });
    member.consumer.join({ [TOPIC]: [0, 1] });
    await vi.waitFor(() => expect(member.logged("partition_failed")).toHaveLength(2));
    const detail = (partition: number) =>
      member.logged("partition_failed").find((line) => line.partition === partition)?.error;
    expect(detail(0)).toBe(
      'open failed: Failed to find group coordinator: the broker answered "Transactional Id authorization failed" (TRANSACTIONAL_ID_AUTHORIZATION_FAILED): grant WRITE and DESCRIBE on transactional ids with the prefix "g/", or set STATE_MODE=memory',
    );
    expect(detail(1)).toBe("open failed: Failed to find group coordinator");
    await member.tasks.close();
  });
});
