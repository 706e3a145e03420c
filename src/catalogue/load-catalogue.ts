import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EVENT_TIME } from "../aggregate/metric-definition.js";
import { CatalogueError, type CatalogueProblem, pathOf } from "./catalogue-error.js";
import type { CatalogueFile, MetricSpec, StreamSpec } from "./catalogue-types.js";
import { checkMetric } from "./check-metric.js";
import { checkStatus } from "./check-status.js";
import { contractFields } from "./contract-fields.js";
import { readCatalogueFile } from "./read-catalogue-file.js";
import { readContract } from "./read-contract.js";
import type {
  Catalogue,
  CatalogueSettings,
  Located,
  ResolvedMetric,
  ResolvedStream,
} from "./resolved-catalogue.js";

export type { Catalogue, CatalogueSettings, ResolvedMetric, ResolvedStream } from "./resolved-catalogue.js";

/** The shipped catalogue: `schemas/catalogue.yaml`, from `src/catalogue` and `dist/catalogue` alike. */
export const BUILTIN_CATALOGUE = fileURLToPath(new URL("../../schemas/catalogue.yaml", import.meta.url));

/** Reads the shipped catalogue and the user's (METRICS_CONFIG); throws one {@link CatalogueError} naming every problem. */
export function loadCatalogue(settings: CatalogueSettings): Catalogue {
  const problems: CatalogueProblem[] = [];
  // Files under the working directory by their relative path, others in full.
  const display = (file: string) => {
    const path = relative(process.cwd(), file);
    return path === "" || path.startsWith("..") ? file : path;
  };
  const builtin = readCatalogueFile(BUILTIN_CATALOGUE, problems);
  const user =
    settings.file === undefined
      ? undefined
      : readCatalogueFile(resolve(settings.file), problems, settings.fileSetting);
  // A file that could not be read or parsed stops here; unknown keys were reported and the rest is checked.
  if (!builtin || (settings.file !== undefined && user === undefined))
    throw new CatalogueError(problems.map((p) => ({ ...p, file: display(p.file) })));

  // The streams, merged: a user stream of a built-in's name adds metrics to it (and may replace its contract).
  const streams = new Map<
    string,
    { spec: Located<StreamSpec>; metrics: Located<MetricSpec>[]; builtin: boolean }
  >();
  const add = (catalogue: CatalogueFile, file: string, isBuiltin: boolean) => {
    for (const [name, spec] of Object.entries(catalogue.streams ?? {})) {
      const metrics = (spec.metrics ?? []).map((metric, i) => ({
        value: metric,
        file,
        path: ["streams", name, "metrics", i],
      }));
      const known = streams.get(name);
      if (known) {
        const merged: StreamSpec = {
          ...known.spec.value,
          ...(spec.topic ? { topic: spec.topic } : {}),
          ...(spec.contract ? { contract: spec.contract } : {}),
          ...(spec.time ? { time: spec.time } : {}),
        };
        streams.set(name, {
          spec: { value: merged, file: spec.contract ? file : known.spec.file, path: ["streams", name] },
          metrics: [...known.metrics, ...metrics],
          builtin: known.builtin,
        });
      } else
        streams.set(name, {
          spec: { value: spec, file, path: ["streams", name] },
          metrics,
          builtin: isBuiltin,
        });
    }
  };
  if (user?.include_builtin !== false) add(builtin, BUILTIN_CATALOGUE, true);
  if (user && settings.file) add(user, resolve(settings.file), false);

  const resolved: ResolvedStream[] = [];
  const names = new Map<string, Located<MetricSpec>>();
  /** The user's metrics that the shipped catalogue declares already. */
  const repeats: Located<MetricSpec>[] = [];
  const topics = new Map<string, string>();
  for (const [name, { spec, metrics, builtin: isBuiltin }] of streams) {
    const at = (...more: (string | number)[]) => pathOf([...spec.path, ...more]);
    const topic = (isBuiltin ? settings.builtinTopics[name] : undefined) ?? spec.value.topic;
    if (topic === undefined)
      problems.push({ file: spec.file, path: at("topic"), expected: "the Kafka topic of the stream" });
    else if (topics.has(topic)) {
      // A shipped stream's topic comes from a setting: the setting is what to change.
      const setting = isBuiltin ? settings.builtinTopicSettings?.[name] : undefined;
      problems.push({
        file: setting ?? spec.file,
        path: setting === undefined ? at("topic") : "",
        expected: `a topic no other stream reads (stream ${topics.get(topic)} reads it)`,
        got: topic,
      });
    } else topics.set(topic, name);
    const contract = spec.value.contract;
    if (contract === undefined) {
      problems.push({
        file: spec.file,
        path: at("contract"),
        expected: "the stream's contract (json-schema: a JSON Schema file)",
      });
      continue;
    }
    const read = readContract(spec.file, contract, at, problems);
    if (read === undefined) continue;
    const { jsonSchema, schemaFile } = read;
    const fields = contractFields(jsonSchema);
    const time = spec.value.time ?? "timestamp";
    const timeField = fields.get(time);
    const timeTypes = [...(timeField?.types ?? [])];
    if (
      !timeField?.required ||
      !timeTypes.every((t) => t === "string" || t === "number" || t === "integer")
    ) {
      problems.push({
        file: spec.file,
        path: at("time"),
        expected: `a field the contract ${contract["json-schema"]} requires, an ISO-8601 date-time string or epoch milliseconds`,
        got: time,
      });
    }
    const resolvedMetrics: ResolvedMetric[] = [];
    const tableTtl = new Map<string, { ttlMs: number | undefined; path: string }>();
    for (const metric of metrics) {
      const checked = checkMetric(metric, fields, contract["json-schema"], settings, problems);
      const clash = names.get(metric.value.name);
      if (clash?.file === BUILTIN_CATALOGUE && metric.file !== BUILTIN_CATALOGUE) {
        // A copy of the shipped catalogue, edited: one line for all of it, naming the way to replace it.
        repeats.push(metric);
        continue;
      }
      if (clash || metric.value.name.startsWith("aggregator_")) {
        problems.push({
          file: metric.file,
          path: pathOf([...metric.path, "name"]),
          expected: clash
            ? `a name no other metric has (${clash.file === metric.file ? pathOf(clash.path) : display(clash.file)} has it)`
            : "a name that does not start with aggregator_ (the service's own metrics)",
          got: metric.value.name,
        });
      }
      names.set(metric.value.name, metric);
      if (!checked) continue;
      // Metrics with one label set share their series: their TTLs must agree.
      const key = checked.labels.join(",");
      const table = tableTtl.get(key);
      if (table && table.ttlMs !== checked.ttlMs) {
        problems.push({
          file: metric.file,
          path: pathOf([...metric.path, "ttl"]),
          expected: `the ttl of ${table.path} (it has the same labels)`,
          got: metric.value.ttl,
        });
      } else tableTtl.set(key, { ttlMs: checked.ttlMs, path: pathOf(metric.path) });
      resolvedMetrics.push(checked);
    }
    if (read.avroFields) {
      const missing = [...readFields(time, resolvedMetrics)].filter((field) => !read.avroFields?.has(field));
      if (missing.length > 0) {
        problems.push({
          file: spec.file,
          path: at("contract", "avro"),
          expected: `an Avro record with every field the metrics read (missing: ${missing.join(", ")})`,
          got: contract.avro,
        });
      }
    }
    if (topic !== undefined) {
      resolved.push({
        name,
        topic,
        jsonSchema,
        jsonSchemaFile: schemaFile,
        avroFile: contract.avro === undefined ? undefined : resolve(dirname(spec.file), contract.avro),
        time,
        metrics: resolvedMetrics,
      });
    }
  }
  if (repeats.length > 0) {
    const names = repeats.slice(0, 3).map((metric) => metric.value.name);
    const one = repeats.length === 1 ? (repeats[0] as Located<MetricSpec>) : undefined;
    problems.push({
      file: resolve(settings.file as string),
      path: one ? pathOf([...one.path, "name"]) : "",
      expected: `${one ? "a name" : "metrics"} of its own, or include_builtin: false to replace the shipped catalogue (${display(BUILTIN_CATALOGUE)})`,
      got: one
        ? one.value.name
        : `${repeats.length} metrics the shipped catalogue declares already (${names.join(", ")}${repeats.length > 3 ? ", …" : ""})`,
    });
  }
  const status = user?.status ?? (user?.include_builtin === false ? undefined : builtin.status);
  if (status)
    checkStatus(
      status,
      user?.status ? resolve(settings.file as string) : BUILTIN_CATALOGUE,
      resolved,
      problems,
    );
  if (problems.length > 0) throw new CatalogueError(problems.map((p) => ({ ...p, file: display(p.file) })));
  return {
    streams: resolved,
    status,
    files: [
      ...(user?.include_builtin === false ? [] : [BUILTIN_CATALOGUE]),
      ...(settings.file ? [resolve(settings.file)] : []),
    ].map(display),
  };
}

/** Every event field a stream's metrics read (its time too). */
function readFields(time: string, metrics: readonly ResolvedMetric[]): Set<string> {
  const fields = new Set([time]);
  for (const metric of metrics) {
    for (const label of metric.labels) fields.add(label);
    if (metric.split?.field) fields.add(metric.split.field);
    for (const field of Object.values(metric.split?.fields ?? {})) fields.add(field);
    if (metric.value !== undefined && metric.value !== EVENT_TIME) fields.add(metric.value);
    if (metric.success) fields.add(metric.success.field);
    if (metric.exemplar !== undefined) fields.add(metric.exemplar);
  }
  return fields;
}
