/** One of the service's own metrics: its type, name, help and label names. */
export interface SelfMetricDefinition {
  readonly type: "counter" | "gauge";
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

const counter = (name: string, help: string, labelNames: readonly string[] = []): SelfMetricDefinition => ({
  type: "counter",
  name,
  help,
  labelNames,
});
const gauge = (name: string, help: string, labelNames: readonly string[] = []): SelfMetricDefinition => ({
  type: "gauge",
  name,
  help,
  labelNames,
});

/**
 * The service's own metrics (`aggregator_*`), in exposition order. Their
 * names are an interface (the shipped rules, alerts and dashboard read them).
 * Low cardinality by construction: labels are topics, partitions and fixed
 * reasons, never event data. Gauges read at scrape time (the lag, the
 * positions) are defined in `self-metrics.ts` with their reading.
 */
export const SELF_METRICS = {
  consumed: counter("aggregator_events_consumed_total", "Kafka records read, valid or not, per topic.", [
    "topic",
  ]),
  invalid: counter(
    "aggregator_events_invalid_total",
    "Records rejected (not counted in any metric), per topic and reason; counted once their offsets are committed.",
    ["topic", "reason"],
  ),
  skipped: counter(
    "aggregator_events_skipped_total",
    "Records that carry no event by design (tombstones, empty values), per topic and reason.",
    ["topic", "reason"],
  ),
  topicMissing: gauge(
    "aggregator_topic_missing",
    "1 while the event topic of a catalogue stream does not exist (the stream is consumed as soon as it is created), else 0.",
    ["topic", "stream"],
  ),
  rebalances: counter(
    "aggregator_rebalances_total",
    "Consumer group joins (the first one and every rebalance).",
  ),
  lastCommit: gauge(
    "aggregator_last_commit_timestamp_seconds",
    "When offsets were last committed to Kafka (with the state, in durable mode), in Unix seconds.",
  ),
  assigned: gauge("aggregator_assigned_partitions", "Partitions this member of the group consumes."),
  ready: gauge("aggregator_ready", "1 while connected to Kafka and a member of the consumer group, else 0."),
  paused: gauge(
    "aggregator_partitions_paused",
    "Partitions paused while a dependency (the schema registry) is down; they resume where they stopped.",
  ),
  deadLetters: counter(
    "aggregator_dead_letters_total",
    "Rejected records written to a dead-letter topic and acknowledged, per dead-letter topic.",
    ["topic"],
  ),
  deadLettersCut: counter(
    "aggregator_dead_letters_truncated_total",
    "Dead letters written with their payload cut to fit the dead-letter topic's max.message.bytes (headers dlq.truncated, dlq.original.size), per dead-letter topic.",
    ["topic"],
  ),
  deadLetterFailures: counter(
    "aggregator_dead_letter_failures_total",
    "Failed writes to the dead-letter topic; the partition waits and retries, nothing is committed past the reject.",
  ),
  committed: counter(
    "aggregator_events_committed_total",
    "Kafka records whose effect /metrics shows, per topic: committed to the state changelog (durable mode) or applied (memory mode).",
    ["topic"],
  ),
  stateCommits: counter(
    "aggregator_state_commits_total",
    "Partition state commits (one Kafka transaction each), by result; a failed one drops the partition's state, which is restored again.",
    ["result"],
  ),
} as const;
