import kafkajs, { type AclOperationTypes, type AclResourceTypes } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  freePort,
  type KafkaBroker,
  startKafkaContainer,
} from "../../scripts/kafka-harness/kafka-container.js";
import { changelogTopicName } from "../../src/state/store/changelog-topics.js";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, createTopics, produce } from "../support/kafka-client.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const containers = inject("containersAvailable");
if (!containers)
  console.warn(
    "[skip] ACLs: KAFKA_HARNESS_CONTAINERS=false, the harness cannot start a broker with an authorizer",
  );

const USERS = { alice: "alice-pw", bob: "bob-pw" } as const;
// Node's CommonJS export detection misses these kafkajs exports; read them off the module object.
const {
  AclOperationTypes: Operation,
  AclPermissionTypes,
  AclResourceTypes: Resource,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} = kafkajs;

/**
 * Durable state needs transactions and a changelog topic; a principal that
 * may not have them must hear which setting to change, and nothing may be
 * consumed meanwhile (no silent fallback to at-least-once).
 */
describe.skipIf(!containers)("durable state refused by the broker's ACLs", () => {
  let broker: KafkaBroker;
  let saslPort: number;
  const started: TestAggregator[] = [];

  beforeAll(async () => {
    saslPort = await freePort();
    const users = Object.entries(USERS)
      .map(([user, password]) => `user_${user}="${password}"`)
      .join(" ");
    broker = await startKafkaContainer(inject("kafkaImage"), {
      listeners: { SASL_PLAINTEXT: saslPort },
      properties: [
        "sasl.enabled.mechanisms=PLAIN",
        `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`,
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        // the plaintext listener (test set-up, the controller) is trusted; SASL users get what the ACLs say
        "super.users=User:ANONYMOUS",
      ],
    });
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const allow = (user: string, resourceType: AclResourceTypes, operation: AclOperationTypes) => ({
      resourceType,
      resourceName: resourceType === Resource.CLUSTER ? "kafka-cluster" : "*",
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${user}`,
      host: "*",
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({
      acl: [
        // alice may do anything with topics (creating the changelog too) and groups, but not use transactions
        allow("alice", Resource.TOPIC, Operation.ALL),
        allow("alice", Resource.GROUP, Operation.ALL),
        // bob may read, write and describe topics, use groups and transactions, but not create topics
        ...[Operation.READ, Operation.WRITE, Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS].map(
          (operation) => allow("bob", Resource.TOPIC, operation),
        ),
        allow("bob", Resource.GROUP, Operation.ALL),
        allow("bob", Resource.TRANSACTIONAL_ID, Operation.ALL),
      ],
    });
    await admin.disconnect();
  }, 180_000);
  afterAll(async () => {
    for (const aggregator of started) await aggregator.stop();
    await broker?.close();
  });

  async function aggregatorAs(user: keyof typeof USERS) {
    const aggregator = await startTestAggregator(
      `127.0.0.1:${saslPort}`,
      { saslMechanism: "plain", saslUsername: user, saslPassword: USERS[user] },
      { create: (detection, llm) => createTopics(broker.bootstrap, [detection, llm], 2) },
    );
    started.push(aggregator);
    await produce(broker.bootstrap, aggregator.config.detectionTopic, [
      { value: jsonBytes(detectionWire()) },
    ]);
    return aggregator;
  }

  async function stateCheck(aggregator: TestAggregator, pattern: RegExp): Promise<string> {
    return await waitFor(
      `/readyz to say ${pattern}`,
      async () => {
        const response = await fetch(`${aggregator.baseUrl}/readyz`);
        const body = (await response.json()) as {
          checks: { name: string; ready: boolean; detail: string }[];
        };
        const state = body.checks.find((c) => c.name === "state");
        return response.status === 503 && state && pattern.test(state.detail) ? state.detail : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  async function expectNothingConsumed(aggregator: TestAggregator) {
    const samples = await aggregator.scrape();
    const { detectionTopic, groupId } = aggregator.config;
    expect(samples.get(`aggregator_events_committed_total{topic="${detectionTopic}"}`)).toBe(0);
    expect([...samples.keys()].filter((series) => series.startsWith("detection_total{"))).toEqual([]);
    expect(await committedOffsets(broker.bootstrap, groupId, detectionTopic)).toEqual({ 0: -1, 1: -1 });
  }

  it("a principal without transactions: 503, naming the transactional ids to grant or STATE_MODE=memory", async () => {
    const aggregator = await aggregatorAs("alice");
    const detail = await stateCheck(aggregator, /TRANSACTIONAL_ID_AUTHORIZATION_FAILED/);
    expect(detail).toMatch(
      new RegExp(
        `grant WRITE and DESCRIBE on transactional ids with the prefix "${aggregator.config.groupId}/", or set STATE_MODE=memory$`,
      ),
    );
    expect(detail.split("\n")).toHaveLength(1);
    await expectNothingConsumed(aggregator);
    console.log(`[acl] no transactions: ${detail}`);
  });

  it("a principal that may not create the changelog: 503, naming it, how to create it, or STATE_MODE=memory", async () => {
    const aggregator = await aggregatorAs("bob");
    const { groupId, detectionTopic, llmTopic } = aggregator.config;
    const detail = await stateCheck(aggregator, /not allowed to create/);
    const changelogs = [detectionTopic, llmTopic].map((topic) =>
      changelogTopicName("{group}-{topic}-changelog", groupId, topic),
    );
    expect(detail).toBe(
      `not allowed to create the state changelog ${changelogs.join(", ")}: grant CREATE on it, or create it (cleanup.policy=compact, as many partitions as its input topic), or set STATE_MODE=memory`,
    );
    await expectNothingConsumed(aggregator);
    console.log(`[acl] no changelog: ${detail}`);
  });
});
