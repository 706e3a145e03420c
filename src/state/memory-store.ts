import { PartitionState } from "../aggregate/partition-state.js";
import type { StreamModel } from "../aggregate/stream-model.js";
import { OutcomeCounts, type PartitionTask } from "./partition-task.js";
import type { Committed, StateStore } from "./state-store.js";

/**
 * State in process memory only (`STATE_MODE=memory`): every change shows at
 * once, kafkajs commits offsets after each batch (at-least-once), and a
 * partition's series start at 0 wherever it is opened.
 */
export class MemoryStore implements StateStore {
  readonly visibility = "live";
  readonly commitsOffsets = false;

  constructor(
    private readonly models: ReadonlyMap<string, StreamModel>,
    private readonly seriesLimit: number,
  ) {}

  async open(task: PartitionTask): Promise<PartitionState> {
    return new PartitionState(task.topic, task.partition, this.models.get(task.stream) as StreamModel, {
      seriesLimit: this.seriesLimit,
      visibility: "live",
    });
  }

  async commit(): Promise<Committed> {
    return { records: 0, outcomes: new OutcomeCounts() };
  }

  async close(): Promise<void> {}
}
