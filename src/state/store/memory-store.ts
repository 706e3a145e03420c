import { PartitionState, type StateSnapshot } from "../../aggregate/partition-state.js";
import type { StreamModel } from "../../aggregate/stream-model.js";
import type { DeadLetter } from "../../dead-letter/dead-letter.js";
import type { OpenedPartition, PartitionRef, StateStore } from "./state-store.js";

/**
 * State in process memory only (`STATE_MODE=memory`): kafkajs commits
 * offsets after each batch (at-least-once), and a partition's series start
 * at 0 wherever it is opened. There is nothing to persist: a partition's
 * changes are only shown, at every publish (every 50 milliseconds).
 */
export class MemoryStore implements StateStore {
  constructor(
    private readonly models: ReadonlyMap<string, StreamModel>,
    private readonly seriesLimit: number,
    private readonly now: () => number = Date.now,
  ) {}

  async open(partition: PartitionRef): Promise<OpenedPartition> {
    const state = new PartitionState(
      partition.topic,
      partition.partition,
      this.models.get(partition.stream) as StreamModel,
      {
        seriesLimit: this.seriesLimit,
      },
    );
    state.finishRestore();
    // No durable counter to advance: the time of the open orders owners well enough, and memory
    // mode restarts a moved partition at 0 anyway.
    state.claimOwnership(this.now());
    return {
      state,
      brokerErrors: undefined,
      pending: false,
      persist: async (_snapshot: StateSnapshot, _rejects: readonly DeadLetter[]) => false,
      close: async () => {},
    };
  }
}
