/**
 * The ceiling of the kafkajs fetch path on this machine: `eachBatch` that only
 * counts records (no decoding, no aggregation), with the aggregator's fetch
 * settings. Not part of the product; it tells how much of the aggregator's
 * time is kafkajs itself.
 *
 * usage: kafkajs-raw-consumer.ts BROKERS GROUP EXPECTED TOPIC...
 */
import "../test/support/process-warnings.js";
import { Kafka, logLevel } from "kafkajs";

const [brokers = "", group = "", expected = "0", ...topics] = process.argv.slice(2);
const kafka = new Kafka({ clientId: "raw", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: group,
  maxBytesPerPartition: Number(process.env.MAX_BYTES_PER_PARTITION ?? 1_048_576),
});
let seen = 0;
await consumer.connect();
await consumer.subscribe({ topics, fromBeginning: true });
await new Promise<void>((resolve) => {
  void consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= Number(expected)) resolve();
    },
  });
});
process.stdout.write(`${seen}\n`);
await consumer.disconnect();
process.exit(0);
