import { randomUUID } from "node:crypto";
import { type Kafka, Partitioners } from "kafkajs";
import { exited, peakRssBytes, spawnAggregator, stopAggregator, waitUntil } from "./aggregator-process.js";
import { committed } from "./bench-kafka.js";
import { median } from "./bench-report.js";

/**
 * Restore: one aggregator builds `labelSets` detection label sets in one
 * partition and stops; a new one restores the partition from its changelog.
 * The time is the partition's open as the service logs it (fence, read to
 * the last stable offset, seek), median of 3 restarts.
 */
export async function restoreTime(kafka: Kafka, brokers: string, labelSets: number) {
  const topics: [string, string] = [`bench-restore-det-${randomUUID()}`, `bench-restore-llm-${randomUUID()}`];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: 1 })),
    waitForLeaders: true,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const models = ["yolov8n", "yolov8s", "yolov8m", "yolov8l"];
  // 2,500 events of ~200 B per request: under the broker's 1 MiB per record batch
  for (let i = 0; i < labelSets; i += 2_500) {
    const messages = Array.from({ length: Math.min(2_500, labelSets - i) }, (_, j) => ({
      value: JSON.stringify({
        event_id: randomUUID(),
        timestamp: Date.now(),
        camera_id: `camera-${Math.floor((i + j) / 4)}`,
        model_type: models[(i + j) % 4],
        latency_seconds: ((i + j) % 100) / 100,
        num_objects: 3,
        num_groups: 1,
      }),
    }));
    await producer.send({ topic: topics[0], acks: 1, messages });
  }
  await producer.disconnect();
  const group = `bench-restore-${randomUUID()}`;
  const settings = { SERIES_LIMIT: String(2 * labelSets) };
  const first = spawnAggregator(brokers, group, topics, settings);
  await waitUntil(async () => (await committed(admin, group, topics)) >= labelSets, 100);
  first.child.kill("SIGTERM");
  await exited(first.child);
  const changelog = `${group}-${topics[0]}-changelog`;
  const changelogRecords = Number((await admin.fetchTopicOffsets(changelog))[0]?.high ?? 0);
  const opens: number[] = [];
  let rss = 0;
  for (let run = 0; run < 3; run++) {
    const { child } = spawnAggregator(brokers, group, topics, settings);
    const opened = await new Promise<number>((resolve) => {
      let buffer = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const pattern = `"event":"partition_opened","topic":"${topics[0]}".*?"ms":(\\d+)`;
        const match = new RegExp(pattern).exec(buffer);
        if (match) resolve(Number(match[1]));
      });
    });
    opens.push(opened);
    rss = Math.max(rss, peakRssBytes(child.pid as number));
    await stopAggregator(child);
  }
  await admin.disconnect();
  return { labelSets, changelogRecords, openMs: opens, medianOpenMs: median(opens), peakRssBytes: rss };
}
