import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { createTopics, produce } from "../support/kafka-client.js";
import { uniqueName } from "../support/names.js";
import { runCommand } from "../support/run-command.js";
import { acrossPartitions, only, type Samples, scrape } from "../support/scrape.js";
import { serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");

/**
 * The worked example of docs/metrics.md, as the page shows it: the contract
 * of a stream the shipped catalogue does not know (object tracks leaving a
 * zone) and the catalogue of its three metrics, with the test's own topic.
 */
function workedExample(topic: string): { schema: string; catalogue: string } {
  const page = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");
  const example = page.slice(page.indexOf("### A worked example"));
  const block = (language: string) => {
    const start = example.indexOf(`\`\`\`${language}\n`) + language.length + 4;
    return example.slice(start, example.indexOf("```", start));
  };
  const catalogue = block("yaml");
  expect(catalogue).toContain("topic: tracking-events\n");
  return {
    schema: block("json"),
    catalogue: catalogue.replace("topic: tracking-events\n", `topic: ${topic}\n`),
  };
}

/** Writes the worked example (contract and catalogue) to a folder of its own; the catalogue's path. */
async function writeWorkedExample(topic: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "catalogue-"));
  const { schema, catalogue } = workedExample(topic);
  await writeFile(join(dir, "tracking-event.v1.schema.json"), schema);
  await writeFile(join(dir, "catalogue.yaml"), catalogue);
  return join(dir, "catalogue.yaml");
}

interface Track {
  readonly camera: string;
  readonly zone: string;
  readonly dwell: number;
  readonly objects: number;
}

/** A deterministic run of tracks: four cameras, three zones, dwell times on and between every bound. */
function tracks(from: number, count: number): Track[] {
  const dwells = [0.5, 1, 3, 5, 12, 30, 90, 120, 600];
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      camera: `cam-${i % 4}`,
      zone: ["gate", "dock", "yard"][i % 3] as string,
      dwell: dwells[i % 9] as number,
      objects: (i * 7) % 23,
    };
  });
}

/** What `/metrics` must show, summed over partitions (the gauge: its largest value over partitions). */
function expected(all: readonly Track[]): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (key: string, value: number) => {
    out[key] = (out[key] ?? 0) + value;
  };
  for (const t of all) {
    add(`tracking_tracks_total{camera_id="${t.camera}",zone="${t.zone}"}`, 1);
    for (const le of ["1", "5", "30", "120", "+Inf"]) {
      add(
        `tracking_dwell_seconds_bucket{zone="${t.zone}",le="${le}"}`,
        le === "+Inf" || t.dwell <= Number(le) ? 1 : 0,
      );
    }
    add(`tracking_dwell_seconds_sum{zone="${t.zone}"}`, t.dwell);
    add(`tracking_dwell_seconds_count{zone="${t.zone}"}`, 1);
    const gauge = `tracking_objects_in_frame_max{camera_id="${t.camera}"}`;
    out[gauge] = Math.max(out[gauge] ?? 0, t.objects);
  }
  return out;
}

/** The tracking samples: counters and histograms summed over partitions, the gauge's largest value. */
function observed(samples: Samples): Record<string, number> {
  const summed = only(acrossPartitions(samples), "tracking_tracks_total", "tracking_dwell_seconds");
  const gauges: Record<string, number> = {};
  for (const [series, value] of Object.entries(only(samples, "tracking_objects_in_frame_max"))) {
    const key = series.replace(/,partition="\d+"|partition="\d+",?/, "").replace("{}", "");
    gauges[key] = Math.max(gauges[key] ?? Number.NEGATIVE_INFINITY, value);
  }
  return { ...summed, ...gauges };
}

/** Produces tracks with kcat, keyed by camera, and two records the contract refuses. */
async function produceWithKcat(topic: string, batch: readonly Track[], at: number): Promise<void> {
  const lines = batch.map(
    (t, i) =>
      `${t.camera}\t${JSON.stringify({
        track_id: `t-${at}-${i}`,
        observed_at: new Date(at + i).toISOString(),
        camera_id: t.camera,
        zone: t.zone,
        dwell_seconds: t.dwell,
        objects_in_frame: t.objects,
      })}`,
  );
  lines.push(
    `cam-0\t${JSON.stringify({ track_id: "bad", observed_at: new Date(at).toISOString(), camera_id: "cam-0", zone: "gate", dwell_seconds: -1, objects_in_frame: 1 })}`,
  );
  lines.push('cam-1\t{"track_id":');
  await runCommand(
    "kcat",
    ["-P", "-b", brokers, "-t", topic, "-K", "\t", "-X", "linger.ms=5"],
    `${lines.join("\n")}\n`,
  );
}

describe("a stream defined only in a catalogue file: tracking events", () => {
  it("counts every kcat-produced event exactly, and again after a SIGKILL and a restart (durable state)", async () => {
    const topic = uniqueName("tracking-events");
    await createTopics(brokers, [topic], 3);
    const setup = await serviceSetup(brokers, 1, {
      METRICS_CONFIG: await writeWorkedExample(topic),
      STATE_COMMIT_INTERVAL: "200ms",
      // The restarted member waits for the killed one's session to end before it gets the partitions.
      KAFKA_SESSION_TIMEOUT: "6s",
    });

    const first = tracks(0, 300);
    await produceWithKcat(topic, first, Date.now());
    let service = spawnService(setup.env);
    let url = await service.baseUrl();
    const before = await waitFor("the first 300 tracks on /metrics", async () => {
      const samples = await scrape(url);
      return samples.get(`aggregator_events_invalid_total{topic="${topic}",reason="out_of_range"}`) === 1 &&
        observed(samples)[`tracking_dwell_seconds_count{zone="gate"}`] === 100
        ? samples
        : undefined;
    });
    expect(observed(before)).toEqual(expected(first));
    expect(before.get(`aggregator_events_invalid_total{topic="${topic}",reason="invalid_json"}`)).toBe(1);

    service.child.kill("SIGKILL");
    expect(await service.exited).toBe("SIGKILL");
    const second = tracks(300, 450);
    await produceWithKcat(topic, second, Date.now());
    service = spawnService(setup.env);
    url = await service.baseUrl();
    const after = await waitFor("all 750 tracks on /metrics after the restart", async () => {
      const samples = await scrape(url);
      const counts = ["gate", "dock", "yard"].map(
        (zone) => observed(samples)[`tracking_dwell_seconds_count{zone="${zone}"}`],
      );
      return counts.every((count) => count === 250) ? samples : undefined;
    });
    expect(observed(after)).toEqual(expected([...first, ...second]));
    // The restarted process read the first 302 records' effect from the changelog, not from the topic again.
    expect(after.get(`aggregator_events_committed_total{topic="${topic}"}`)).toBe(452);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });

  it("keeps counting the shipped streams exactly while its topic does not exist, then counts it once it is created", async () => {
    const topic = uniqueName("tracking-events");
    const setup = await serviceSetup(brokers, 3, {
      METRICS_CONFIG: await writeWorkedExample(topic),
      STATE_COMMIT_INTERVAL: "200ms",
      TOPIC_CHECK_INTERVAL: "1s",
    });
    const frames = (count: number, from: number) =>
      Array.from({ length: count }, (_, i) => ({
        key: `cam-${(from + i) % 5}`,
        value: jsonBytes(detectionWire({ camera_id: `cam-${(from + i) % 5}` })),
      }));
    const framesOf = (samples: Samples) =>
      only(acrossPartitions(samples), "detection_total")[
        'detection_total{camera_id="cam-0",model_type="yolov8n"}'
      ];
    await produce(brokers, setup.detectionTopic, frames(100, 0));

    const service = spawnService(setup.env);
    const url = await service.baseUrl();
    const missing = `aggregator_topic_missing{topic="${topic}",stream="tracking"}`;
    const before = await waitFor(
      "the shipped streams counted while the tracking topic is missing",
      async () => {
        const samples = await scrape(url);
        return samples.get(`aggregator_events_committed_total{topic="${setup.detectionTopic}"}`) === 100 &&
          samples.get(missing) === 1
          ? samples
          : undefined;
      },
    );
    expect(framesOf(before)).toBe(20);
    const readiness = (await (await fetch(`${url}/readyz`)).json()) as {
      status: string;
      checks: { name: string; ready: boolean; detail: string }[];
    };
    expect(readiness.status).toBe("ready");
    expect(readiness.checks.find((check) => check.name === "topics")).toEqual({
      name: "topics",
      ready: true,
      detail: `consuming ${setup.detectionTopic}, ${setup.llmTopic}; not yet created: ${topic} (stream tracking) (consumed as soon as it is)`,
    });

    await createTopics(brokers, [topic], 3);
    const first = tracks(0, 300);
    await produceWithKcat(topic, first, Date.now());
    await produce(brokers, setup.detectionTopic, frames(100, 100));
    const after = await waitFor("the tracks and the later frames on /metrics", async () => {
      const samples = await scrape(url);
      const gate = observed(samples)[`tracking_dwell_seconds_count{zone="gate"}`];
      return gate === 100 && framesOf(samples) === 40 ? samples : undefined;
    });
    expect(observed(after)).toEqual(expected(first));
    expect(after.get(missing)).toBe(0);
    // Joining again for the new topic neither lost nor repeated a frame.
    expect(after.get(`aggregator_events_committed_total{topic="${setup.detectionTopic}"}`)).toBe(200);
    expect(after.get(`aggregator_events_committed_total{topic="${topic}"}`)).toBe(302);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });
});
