import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import type { StreamModel } from "../../src/aggregate/stream-model.js";
import { DeadLetterLimits } from "../../src/dead-letter/dead-letter-limits.js";
import { DurableStore } from "../../src/state/durable-store.js";
import { RecentBrokerErrors } from "../../src/state/kafka-errors.js";
import { type ConsumerControl, PartitionTask } from "../../src/state/partition-task.js";
import { PartitionTasks } from "../../src/state/partition-tasks.js";
import { testCatalogue } from "../support/catalogue.js";
import { deferred, emptyTopicsAdmin, FakeKafka } from "../support/fake-kafka.js";

const models = testCatalogue().models as ReadonlyMap<string, StreamModel>;
const control: ConsumerControl = { pause() {}, resume() {}, seek() {} };
const telemetry = { recordRestore() {}, recordDeadLetters() {}, recordDeadLettersCut() {} };
const OPTIONS = {
  groupId: "g",
  fromBeginning: true,
  seriesLimit: 100,
  transactionTimeoutMs: 60_000,
  deadLetterTemplate: undefined,
};

function durableStore(fake: FakeKafka, shared?: RecentBrokerErrors): DurableStore {
  const limits = new DeadLetterLimits(async () => 1_000_000);
  return new DurableStore(
    fake.factory(shared),
    emptyTopicsAdmin(),
    control,
    models,
    OPTIONS,
    telemetry,
    limits,
  );
}

describe("opening a partition's durable state", () => {
  it("keeps one producer when a second open supersedes the first mid-fence: the newest, which claims the id last", async () => {
    const fake = new FakeKafka();
    const store = durableStore(fake);
    const task = new PartitionTask("detection-events", 0, "detection", "changelog");
    const firstConnects = deferred();
    fake.nextProducer = (producer) => {
      if (producer.id === 1) producer.connectGate = firstConnects.promise;
    };
    let attempt = 1;
    const first = store
      .open(task, () => attempt === 1)
      .then(
        () => "opened",
        (error: Error) => error.name,
      );
    // The first open is fencing (its producer connecting) when the partition is opened again.
    await vi.waitFor(() => expect(fake.producers[0]?.calls).toEqual(["connect"]));
    attempt = 2;
    const second = store.open(task, () => attempt === 2);
    firstConnects.resolve();
    await second;
    expect(await first).toBe("RestoreCancelled");
    // The superseded open closed its producer: one connection is left, the current open's, and it claimed
    // the transactional id last (no older producer fenced it after it did).
    const connected = fake.producers.filter((p) => p.connected);
    expect(connected.map((p) => p.id)).toEqual([2]);
    expect(fake.claims).toEqual(["g/detection-events/0#1", "g/detection-events/0#2"]);
    await store.close(task);
    expect(fake.producers.filter((p) => p.connected)).toEqual([]);
  });

  it("blames a partition's failure on what its own producer heard from the brokers, not on another partition's", async () => {
    const fake = new FakeKafka();
    const shared = new RecentBrokerErrors();
    // Partition 0's transactional id is refused (kafkajs reports only "Failed to find group coordinator",
    // its connection log has the answer); partition 1 fails the same way for a reason of its own.
    fake.nextProducer = (producer) => {
      if (producer.transactionalId === "g/detection-events/0")
        producer.heard.note("Transactional Id authorization failed");
      producer.failWith = Object.assign(new Error("Failed to find group coordinator"), {
        name: "KafkaJSGroupCoordinatorNotFound",
      });
    };
    const failed: Record<string, unknown>[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk, _encoding, done) {
          const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
          if (line.event === "partition_failed") failed.push(line);
          done();
        },
      }),
    );
    const tasks = new PartitionTasks(
      {
        groupId: "g",
        streams: new Map([["detection-events", "detection"]]),
        changelogOf: new Map([["detection-events", "changelog"]]),
        commitIntervalMs: 1_000,
        seriesTtlMs: 0,
      },
      durableStore(fake, shared),
      control,
      { leaseValid: () => true, membershipProvenAt: 0 },
      { process: async () => ({ status: "done" }) },
      { deadLetters: undefined, outbox: false },
      { recordCommitted() {}, recordOutcomes() {}, recordStateCommit() {} },
      logger,
      shared,
    );
    tasks.onAssigned(new Map([["detection-events", [0, 1]]]));
    await vi.waitFor(() => expect(failed).toHaveLength(2));
    const detail = (partition: number) => failed.find((line) => line.partition === partition)?.error;
    expect(detail(0)).toBe(
      'open failed: Failed to find group coordinator: the broker answered "Transactional Id authorization failed" (TRANSACTIONAL_ID_AUTHORIZATION_FAILED): grant WRITE and DESCRIBE on transactional ids with the prefix "g/", or set STATE_MODE=memory',
    );
    expect(detail(1)).toBe("open failed: Failed to find group coordinator");
    await tasks.close();
  });
});
