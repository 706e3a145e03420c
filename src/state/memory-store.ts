import { PartitionState } from "../aggregate/partition-state.js";
import type { StreamModel } from "../aggregate/stream-model.js";
import { OutcomeCounts, type PartitionTask } from "./partition-task.js";
import type { Committed, StateStore } from "./state-store.js";

/**
 * State in process memory only (`STATE_MODE=memory`): kafkajs commits
 * offsets after each batch (at-least-once), a partition's series start at 0
 * wherever it is opened, and a "commit" only shows the changes since the
 * last one: every 50 milliseconds, so `/metrics` is fresh and its
 * text is made once per commit, not per scrape.
 */
export class MemoryStore implements StateStore {
  readonly commitsOffsets = false;

  constructor(
    private readonly models: ReadonlyMap<string, StreamModel>,
    private readonly seriesLimit: number,
  ) {}

  async open(task: PartitionTask): Promise<PartitionState> {
    return new PartitionState(task.topic, task.partition, this.models.get(task.stream) as StreamModel, {
      seriesLimit: this.seriesLimit,
    });
  }

  async commit(task: PartitionTask, state: PartitionState): Promise<Committed> {
    const outcomes = task.outcomes;
    task.outcomes = new OutcomeCounts();
    return { records: state.snapshot().publish(), outcomes };
  }

  async close(): Promise<void> {}
}
