import { describe, expect, it } from "vitest";
import { PartitionTask } from "../../src/state/lifecycle/partition-task.js";
import { IllegalTransition, type TaskPhase, TRANSITIONS } from "../../src/state/lifecycle/task-phase.js";

const PHASES: readonly TaskPhase[] = [
  "assigned",
  "fencing",
  "restoring",
  "seeking",
  "consuming",
  "committing",
  "failed",
  "revoking",
  "closed",
];

describe("a partition task's phases", () => {
  it("has a transition table over exactly its phases, in which only closed is final and everything can close", () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...PHASES].sort());
    for (const phase of PHASES) {
      for (const next of TRANSITIONS[phase]) expect(PHASES).toContain(next);
      if (phase !== "closed") expect(TRANSITIONS[phase]).toContain("closed");
    }
    expect(TRANSITIONS.closed).toEqual([]);
    expect(TRANSITIONS.revoking).toEqual(["closed"]);
  });

  it("refuses a transition the table does not list, naming the partition and both phases", () => {
    const task = new PartitionTask("events", 3, "detection", undefined);
    expect(() => task.consuming()).toThrow(new IllegalTransition("events:3", "assigned", "consuming"));
    expect(task.phase).toBe("assigned");
    expect(() => task.consuming()).toThrow("partition events:3: no transition from assigned to consuming");
    task.close();
    expect(() => task.beginOpen()).toThrow("partition events:3: no transition from closed to fencing");
  });

  it("starts no commit unless consuming, and ignores the end of a commit that an open or a revoke superseded", () => {
    const task = new PartitionTask("events", 0, "detection", undefined);
    const { epoch } = task.beginOpen();
    expect(task.phase).toBe("fencing");
    expect(task.beginCommit()).toBeUndefined();
    task.beginRevoke();
    expect(task.isCurrent(epoch)).toBe(false);
    task.commitDone(epoch);
    expect(task.phase).toBe("revoking");
    expect(() => task.fail("late", 0)).toThrow("partition events:0: no transition from revoking to failed");
  });
});
