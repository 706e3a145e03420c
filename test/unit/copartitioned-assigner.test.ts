import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignPartitions, type TopicPartition } from "../../src/source/copartitioned-assigner.js";

const partitions = (topic: string, count: number): TopicPartition[] =>
  Array.from({ length: count }, (_, partition) => ({ topic, partition }));
const ids = (list: TopicPartition[] | undefined) =>
  (list ?? []).map((tp) => `${tp.topic}:${tp.partition}`).sort();

describe("assignPartitions", () => {
  it("spreads partitions evenly over members that own nothing yet", () => {
    const plan = assignPartitions(
      [...partitions("d", 6), ...partitions("l", 6)],
      [
        { memberId: "b", owned: [] },
        { memberId: "a", owned: [] },
        { memberId: "c", owned: [] },
      ],
    );
    expect([...plan.values()].map((list) => list.length)).toEqual([4, 4, 4]);
    expect(ids(plan.get("a"))).toEqual(["d:0", "d:3", "l:1", "l:4"]);
  });

  it("leaves partitions where they are when a member joins, moving only what the balance needs", () => {
    const all = partitions("d", 6);
    const plan = assignPartitions(all, [
      { memberId: "a", owned: all.slice(0, 3) },
      { memberId: "b", owned: all.slice(3) },
      { memberId: "c", owned: [] },
    ]);
    expect(ids(plan.get("a"))).toEqual(["d:0", "d:1"]);
    expect(ids(plan.get("b"))).toEqual(["d:3", "d:4"]);
    expect(ids(plan.get("c"))).toEqual(["d:2", "d:5"]);
  });

  it("gives a departed member's partitions to the others, the rest staying", () => {
    const all = partitions("d", 6);
    const plan = assignPartitions(all, [
      { memberId: "a", owned: [all[0] as TopicPartition, all[1] as TopicPartition] },
      { memberId: "c", owned: [all[4] as TopicPartition, all[5] as TopicPartition] },
    ]);
    expect(ids(plan.get("a"))).toEqual(["d:0", "d:1", "d:2"]);
    expect(ids(plan.get("c"))).toEqual(["d:3", "d:4", "d:5"]);
  });

  it("assigns every partition exactly once, balanced within one, whatever the members claim", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 25 }), { maxLength: 10 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (count, claims) => {
          const all = partitions("t", count);
          const members = claims.map((owned, i) => ({
            memberId: `m${i}`,
            owned: owned.map((p) => ({ topic: "t", partition: p })),
          }));
          const plan = assignPartitions(all, members);
          const assigned = [...plan.values()]
            .flat()
            .map((tp) => tp.partition)
            .sort((a, b) => a - b);
          expect(assigned).toEqual(all.map((tp) => tp.partition));
          const sizes = [...plan.values()].map((list) => list.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          expect(assignPartitions(all, [...members].reverse())).toEqual(plan);
        },
      ),
    );
  });
});
