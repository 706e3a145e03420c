import { Writable } from "node:stream";
import { pino } from "pino";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import type { StreamModel } from "../../src/aggregate/stream-model.js";
import { DeadLetterLimits } from "../../src/dead-letter/dead-letter-limits.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import { RateLimitedLog } from "../../src/log/rate-limited-log.js";
import { createEventPipeline } from "../../src/pipeline/event-pipeline.js";
import { PartitionTasks } from "../../src/state/lifecycle/partition-tasks.js";
import { DurableStore } from "../../src/state/store/durable-store.js";
import { MemoryStore } from "../../src/state/store/memory-store.js";
import { testCatalogue } from "./catalogue.js";
import { detectionWire, jsonBytes } from "./events.js";
import type { FakeCluster } from "./fake-cluster.js";
import { FakeGroupConsumer } from "./fake-group-consumer.js";
import { renderFamilies } from "./render-families.js";

export const GROUP = "g";
export const TOPIC = "detection-events";
export const CHANGELOG = "detection-events-changelog";

/** How a harness member processes: the two processing modes, as the service configures them. */
export interface HarnessOptions {
  readonly mode: "durable" | "memory";
  /** Rejects are written here with the commit that covers them (durable mode). */
  readonly deadLetterTopic?: string;
  /** Records per fetched batch at most. */
  readonly maxBatch?: number;
}

const { models, contracts } = testCatalogue();

/**
 * One member of the group, without Docker: the real partition lifecycle,
 * store, changelog format and event pipeline, over a {@link FakeCluster}
 * (shared by the members of one test) and a {@link FakeGroupConsumer} the
 * test drives; a clock the test moves; every log line, parsed.
 */
export class LifecycleMember {
  readonly consumer: FakeGroupConsumer;
  readonly tasks: PartitionTasks;
  readonly clock = { ms: 1_000_000 };
  readonly logs: Record<string, unknown>[] = [];
  /** What the lifecycle reported: records shown, transactions committed and failed. */
  readonly reported = { committedRecords: 0, stateCommits: 0, failedCommits: 0, invalid: 0 };
  private readonly families;

  constructor(
    readonly cluster: FakeCluster,
    options: HarnessOptions,
  ) {
    const logger = pino(
      { level: "debug" },
      new Writable({
        write: (chunk, _encoding, done) => {
          this.logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const durable = options.mode === "durable";
    const changelogOf = new Map(durable ? [[TOPIC, CHANGELOG]] : []);
    const streams = new Map([[TOPIC, "detection"]]);
    const store = durable
      ? new DurableStore({
          kafkaFor: cluster.kafkaFor,
          admin: cluster.admin(),
          models,
          options: {
            groupId: GROUP,
            fromBeginning: true,
            seriesLimit: 1_000,
            transactionTimeoutMs: 60_000,
            deadLetterTemplate: options.deadLetterTopic,
          },
          telemetry: { recordRestore() {}, recordDeadLetters() {}, recordDeadLettersCut() {} },
          deadLetterLimits: new DeadLetterLimits(async () => 1_000_000),
        })
      : new MemoryStore(models, 1_000);
    const reported = this.reported;
    this.tasks = new PartitionTasks(
      {
        groupId: GROUP,
        streams,
        changelogOf,
        store,
        rejects: { sink: undefined, withCommit: durable && options.deadLetterTopic !== undefined },
        keep: durable ? () => "prove" : (missed) => (missed ? "reopen" : "keep"),
        intervalMs: 1_000,
        seriesTtlMs: 0,
        pipeline: createEventPipeline({
          streams,
          decode: createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 }, contracts),
          telemetry: { recordConsumed() {} },
          rejectLog: new RateLimitedLog(logger),
        }),
        telemetry: {
          recordCommitted: (_topic, records) => {
            reported.committedRecords += records;
          },
          recordOutcomes: (_topic, outcomes) => {
            for (const count of outcomes.invalid.values()) reported.invalid += count;
          },
          recordStateCommit: (result) => {
            if (result === "committed") reported.stateCommits++;
            else reported.failedCommits++;
          },
        },
        logger,
        now: () => this.clock.ms,
      },
      async () => {},
    );
    this.consumer = new FakeGroupConsumer(cluster, {
      groupId: GROUP,
      changelogOf,
      autoCommit: !durable,
      maxBatch: options.maxBatch,
    });
    this.consumer.feed(this.tasks);
    this.tasks.attach(this.consumer);
    this.families = eventFamilies([...(models as ReadonlyMap<string, StreamModel>).values()], (stream) =>
      this.tasks.shownStates(stream),
    );
  }

  /** Fetch rounds until `condition` holds (each round lets the lifecycle's promises run); throws naming `what`. */
  async settle(what: string, condition: () => boolean): Promise<void> {
    for (let round = 0; round < 200; round++) {
      await this.consumer.fetch();
      await new Promise((resolve) => setImmediate(resolve));
      if (condition()) return;
    }
    throw new Error(`${what} did not happen; the lifecycle says: ${this.tasks.status().detail}`);
  }

  /** The sum of `detection_total` over every series `/metrics` shows now. */
  async shownDetections(): Promise<number> {
    const text = await renderFamilies(this.families.all, "prometheus");
    let total = 0;
    for (const line of text.split("\n")) {
      if (line.startsWith("detection_total{")) total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return total;
  }

  /** Log lines of one event (`partition_failed`, `partition_opened`, …). */
  logged(event: string): Record<string, unknown>[] {
    return this.logs.filter((line) => line.event === event);
  }
}

/** `count` valid detection events of camera `camera`, as JSON records. */
export function detections(count: number, camera = "1"): Buffer[] {
  return Array.from({ length: count }, () => jsonBytes(detectionWire({ camera_id: camera })));
}

/** `count` records no decoder accepts. */
export function garbage(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(`not an event ${i}`));
}
