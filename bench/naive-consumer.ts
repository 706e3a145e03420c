/**
 * The yardstick: the consumer a user would write in an afternoon. kafkajs
 * `eachMessage`, `JSON.parse` and prom-client `inc()`/`observe()` per event.
 * Kept deliberately naive; not part of the product.
 *
 * usage: naive-consumer.ts BROKERS GROUP EXPECTED TOPIC...
 */
import "../test/support/process-warnings.js";
import { Kafka, logLevel } from "kafkajs";
import { Counter, Histogram, Registry } from "prom-client";

const [brokers = "", group = "", expected = "0", ...topics] = process.argv.slice(2);
const registry = new Registry();
const detections = new Counter({
  name: "detection_total",
  help: "h",
  labelNames: ["camera_id", "model_type"],
  registers: [registry],
});
const latency = new Histogram({
  name: "detection_latency_seconds",
  help: "h",
  labelNames: ["camera_id", "model_type"],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const llm = new Counter({
  name: "llm_requests_total",
  help: "h",
  labelNames: ["provider", "model", "status"],
  registers: [registry],
});

const kafka = new Kafka({ clientId: "naive", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: group });
let seen = 0;
await consumer.connect();
await consumer.subscribe({ topics, fromBeginning: true });
await new Promise<void>((resolve) => {
  void consumer.run({
    eachMessage: async ({ message }) => {
      try {
        const event = JSON.parse(message.value?.toString() ?? "");
        if (event.model_type !== undefined) {
          detections.inc({ camera_id: String(event.camera_id), model_type: event.model_type });
          latency.observe(
            { camera_id: String(event.camera_id), model_type: event.model_type },
            event.latency_seconds,
          );
        } else {
          llm.inc({ provider: event.provider, model: event.model, status: event.status });
        }
      } catch {
        // a bad event is skipped
      }
      if (++seen === Number(expected)) resolve();
    },
  });
});
process.stdout.write(`${seen}\n`);
await consumer.disconnect();
process.exit(0);
