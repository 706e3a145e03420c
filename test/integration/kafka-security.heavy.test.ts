import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaBroker, startKafkaContainer } from "../../scripts/kafka-harness/kafka-container.js";
import { detectionWire, jsonBytes } from "../support/events.js";
import { createTopics, produce } from "../support/kafka-client.js";
import { acrossPartitions } from "../support/scrape.js";
import { SASL_USER, type SecuredBrokerSetup, securedBrokerSetup } from "../support/secured-kafka.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const containers = inject("containersAvailable");
if (!containers)
  console.warn(
    "[skip] SASL and TLS: KAFKA_HARNESS_CONTAINERS=false, the harness cannot start a secured broker of its own",
  );

/**
 * SASL and TLS against a real broker of its own (the shared one has only a
 * plaintext listener): PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, with and
 * without TLS, and the failures an operator must be told about.
 */
describe.skipIf(!containers)("SASL and TLS to the brokers", () => {
  let setup: SecuredBrokerSetup;
  let broker: KafkaBroker;
  const started: TestAggregator[] = [];

  beforeAll(async () => {
    setup = await securedBrokerSetup();
    broker = await startKafkaContainer(inject("kafkaImage"), setup.extras);
  }, 180_000);
  afterAll(async () => {
    for (const aggregator of started) await aggregator.stop();
    await broker?.close();
    await setup?.cleanUp();
  });

  /** An aggregator on a secured listener; topics are made and fed through the plaintext one. */
  async function aggregatorOn(port: number, flags: Record<string, string>) {
    const aggregator = await startTestAggregator(`127.0.0.1:${port}`, flags, {
      create: (detection, llm) => createTopics(broker.bootstrap, [detection, llm], 2),
    });
    started.push(aggregator);
    return aggregator;
  }

  async function notReadyBecause(aggregator: TestAggregator): Promise<string> {
    return await waitFor("/readyz to say why Kafka is not usable", async () => {
      const response = await fetch(`${aggregator.baseUrl}/readyz`);
      const body = (await response.json()) as { checks: { name: string; ready: boolean; detail: string }[] };
      // The first connection is the set-up's (topics, state changelogs), then the consumer's.
      const detail = body.checks.find(
        (c) => !c.ready && /^cannot (reach|connect to) the brokers|^cannot start consuming/.test(c.detail),
      )?.detail;
      return response.status === 503 ? detail : undefined;
    });
  }

  it.each([
    ["PLAIN over SASL_PLAINTEXT", "plain", false],
    ["SCRAM-SHA-256 over SASL_SSL", "scram-sha-256", true],
    ["SCRAM-SHA-512 over SASL_SSL", "scram-sha-512", true],
  ] as const)("consumes with %s", async (_name, mechanism, tls) => {
    const aggregator = await aggregatorOn(tls ? setup.saslSslPort : setup.saslPlaintextPort, {
      saslMechanism: mechanism,
      saslUsername: SASL_USER.username,
      saslPassword: SASL_USER.password,
      ...(tls ? { tls: "true", tlsCaFile: setup.caFile } : {}),
    });
    const topic = aggregator.config.detectionTopic;
    await produce(
      broker.bootstrap,
      topic,
      Array.from({ length: 10 }, () => ({ value: jsonBytes(detectionWire()) })),
    );
    const samples = acrossPartitions(await aggregator.waitForCommitted({ [topic]: 10 }));
    expect(samples.get('detection_total{camera_id="1",model_type="yolov8n"}')).toBe(10);
    await aggregator.waitForReady();
  });

  it("says the credentials were refused, and never shows the password", async () => {
    const wrong = "wrong-pa55word";
    const aggregator = await aggregatorOn(setup.saslSslPort, {
      saslMechanism: "scram-sha-512",
      saslUsername: SASL_USER.username,
      saslPassword: wrong,
      tls: "true",
      tlsCaFile: setup.caFile,
    });
    expect(await notReadyBecause(aggregator)).toMatch(/authentication failed/i);
    const pages = await Promise.all(
      ["/readyz", "/api/status", "/", "/metrics"].map(async (path) =>
        (await fetch(`${aggregator.baseUrl}${path}`)).text(),
      ),
    );
    for (const text of [...pages, JSON.stringify(aggregator.logs)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(SASL_USER.password);
    }
  });

  it("refuses a broker certificate its CA file does not vouch for", async () => {
    const aggregator = await aggregatorOn(setup.saslSslPort, {
      saslMechanism: "scram-sha-256",
      saslUsername: SASL_USER.username,
      saslPassword: SASL_USER.password,
      tls: "true",
    });
    expect(await notReadyBecause(aggregator)).toMatch(/certificate/i);
  });
});
