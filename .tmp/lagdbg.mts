import { Kafka } from "kafkajs";
import { pino } from "pino";
import { loadConfig } from "../src/config/load-config.js";
import { startAggregator } from "../src/service/start-service.js";

const t = "e" + Date.now();
const k = new Kafka({ brokers: ["127.0.0.1:43399"], logLevel: 0 });
const ad = k.admin();
await ad.connect();
await ad.createTopics({
  topics: [
    { topic: t + "-d", numPartitions: 3 },
    { topic: t + "-l", numPartitions: 3 },
  ],
  waitForLeaders: true,
});
await ad.disconnect();
const pr = k.producer();
await pr.connect();
await pr.send({ topic: t + "-d", messages: [{ value: "{}" }, { value: "{}" }] });
await pr.disconnect();
const config = loadConfig(
  {
    detectionTopic: t + "-d",
    llmTopic: t + "-l",
    brokers: "127.0.0.1:43399",
    groupId: "lagdbg-" + Date.now(),
    httpHost: "127.0.0.1",
    httpPort: "19320",
  },
  {},
);
const a = await startAggregator(config, pino({ level: "debug" }));
await new Promise((r) => setTimeout(r, 12000));
const body = await (await fetch("http://127.0.0.1:19320/metrics")).text();
console.log(
  body
    .split("\n")
    .filter((l) => l.startsWith("aggregator_consumer_lag"))
    .join("\n"),
);
await a.stop();
process.exit(0);
