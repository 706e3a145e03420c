/**
 * Decoding rate of the pure decoder per wire encoding: plain JSON, Avro and
 * JSON Schema framed for a Confluent registry (schemas registered in the test
 * stand-in and loaded once, as in steady state). No Kafka: this isolates the
 * cost of `decode` (parse + contract validation + mapping) per message.
 * `npm run bench:decode`; results in bench/results/decode-<date>.json.
 */
import { writeFileSync } from "node:fs";
import { createMessageDecoder } from "../src/decode/message-decoder.js";
import { EventGenerator } from "../src/produce/event-generator.js";
import { createRegistryClient } from "../src/registry/registry-client.js";
import { RegistrySchemas } from "../src/registry/registry-schemas.js";
import { FramedEventEncoder, registerSchemaFiles } from "../src/registry/schema-publisher.js";
import { Backoff } from "../src/util/backoff.js";
import { testCatalogue } from "../test/support/catalogue.js";
import { SchemaRegistryStandIn } from "../test/support/schema-registry-stand-in.js";
import { machineInfo, median } from "./bench-report.js";

const MESSAGES = Number(process.env.BENCH_DECODE_MESSAGES ?? 200_000);
const RUNS = 5;
const ENCODINGS = ["json", "avro", "json-schema"] as const;

async function main(): Promise<void> {
  const registry = await new SchemaRegistryStandIn().start();
  const client = createRegistryClient({ url: registry.url, requestTimeoutMs: 5_000 });
  const encoder = new FramedEventEncoder(
    client,
    await registerSchemaFiles(client, { detection: "d", llm: "l" }),
  );
  const generator = new EventGenerator({ cameras: 200, models: 4, keys: 30, invalidRatio: 0, seed: 1 });
  const events: object[] = [];
  while (events.length < MESSAGES) {
    const event = generator.next(Date.now());
    if (event.kind === "detection") events.push(JSON.parse(event.value) as object);
  }
  const payloads: Record<(typeof ENCODINGS)[number], Buffer[]> = { json: [], avro: [], "json-schema": [] };
  for (const event of events) {
    payloads.json.push(Buffer.from(JSON.stringify(event)));
    payloads.avro.push(await encoder.encode("detection", "avro", event, 1));
    payloads["json-schema"].push(await encoder.encode("detection", "json-schema", event, 1));
  }
  const schemas = new RegistrySchemas(
    createRegistryClient({ url: registry.url, requestTimeoutMs: 5_000 }),
    new Backoff(500, 30_000),
    { recordRegistryRequest() {}, recordRegistryUp() {}, recordMissingIds() {} },
  );
  for (const id of [1, 3]) await schemas.load(id);
  const decode = createMessageDecoder(
    { maxEventBytes: 65_536, maxLabelLength: 128, schemas },
    testCatalogue().contracts,
  );

  const result: Record<string, { bytesPerMessage: number; runs: number[]; median: number }> = {};
  for (const encoding of ENCODINGS) {
    const list = payloads[encoding];
    const runs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      let ok = 0;
      for (const payload of list) if (decode("detection", payload).status === "ok") ok++;
      const seconds = (performance.now() - started) / 1000;
      if (ok !== list.length) throw new Error(`${encoding}: ${list.length - ok} messages did not decode`);
      runs.push(Math.round(list.length / seconds));
    }
    const bytes = list.reduce((sum, payload) => sum + payload.length, 0) / list.length;
    result[encoding] = { bytesPerMessage: Math.round(bytes), runs, median: median(runs) };
  }
  await registry.stop();
  const report = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    messages: MESSAGES,
    lookups: Object.fromEntries(registry.lookups),
    decodedPerSecond: result,
  };
  const file = new URL(`results/decode-${report.date.slice(0, 19).replace(/:/g, "-")}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const k = (n: number) => n.toLocaleString("en-US");
  process.stdout.write(
    [
      `Machine: ${report.machine.cores} cores (${report.machine.cpu}), Node ${report.machine.node}; ${report.date}`,
      `${k(MESSAGES)} detection events per encoding; median of ${RUNS} runs`,
      "| encoding | bytes/message | decoded/s (median) | runs |",
      "| --- | --- | --- | --- |",
      ...ENCODINGS.map((e) => {
        const r = result[e] as { bytesPerMessage: number; runs: number[]; median: number };
        return `| ${e} | ${r.bytesPerMessage} | ${k(r.median)} | ${r.runs.map(k).join(", ")} |`;
      }),
      `Results: ${file.pathname}`,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`decode bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
