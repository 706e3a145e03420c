import { AssignerProtocol, type PartitionAssigner } from "kafkajs";

/** An input partition; its changelog partition has the same number. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A member of the group, with the input partitions it owned before this rebalance. */
export interface AssignableMember {
  readonly memberId: string;
  readonly owned: readonly TopicPartition[];
}

const keyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;
const byPartitionThenTopic = (a: TopicPartition, b: TopicPartition) =>
  a.partition - b.partition || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0);

/**
 * Spreads input partitions over members as evenly as possible (counts differ
 * by at most one) while leaving each partition with the member that owned it
 * when that keeps the balance: a partition that stays needs no restore.
 * Deterministic for the same input, so every leader computes the same plan.
 */
export function assignPartitions(
  partitions: readonly TopicPartition[],
  members: readonly AssignableMember[],
): Map<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const plan = new Map<string, TopicPartition[]>(sorted.map((m) => [m.memberId, []]));
  if (sorted.length === 0) return plan;
  const base = Math.floor(partitions.length / sorted.length);
  let larger = partitions.length % sorted.length;
  const free = new Map(partitions.map((tp) => [keyOf(tp), tp]));
  const cap = (count: number) => (count < base ? true : count === base && larger > 0);
  const take = (memberId: string, tp: TopicPartition) => {
    const list = plan.get(memberId) as TopicPartition[];
    if (list.length === base) larger--;
    list.push(tp);
    free.delete(keyOf(tp));
  };
  for (const member of sorted) {
    for (const tp of [...member.owned].sort(byPartitionThenTopic)) {
      if (free.has(keyOf(tp)) && cap((plan.get(member.memberId) as TopicPartition[]).length))
        take(member.memberId, tp);
    }
  }
  for (const tp of [...free.values()].sort(byPartitionThenTopic)) {
    let chosen: string | undefined;
    for (const member of sorted) {
      const count = (plan.get(member.memberId) as TopicPartition[]).length;
      if (cap(count) && (chosen === undefined || count < (plan.get(chosen) as TopicPartition[]).length)) {
        chosen = member.memberId;
      }
    }
    take(chosen as string, tp);
  }
  return plan;
}

/** What the assigner needs from the service: the topic pairs and the partitions it owns now. */
export interface CopartitionedTopics {
  /** Input topic → its changelog topic. */
  readonly changelogOf: ReadonlyMap<string, string>;
  /** Input partitions this member owns (restored and consuming), sent to the leader as stickiness hints. */
  owned(): readonly TopicPartition[];
}

export const COPARTITIONED_PROTOCOL = "metrics-aggregator-copartitioned";

/**
 * A kafkajs partition assigner for durable state: input partition p and
 * changelog partition p always go to the same member, so the member that
 * consumes p can restore p's state from its own assignment, and partitions
 * stay where they are when the balance allows it. Every member of the group
 * must use it (Kafka refuses a group whose members share no protocol).
 */
export function copartitionedAssigner(topics: CopartitionedTopics): PartitionAssigner {
  return ({ cluster }) => ({
    name: COPARTITIONED_PROTOCOL,
    version: 1,
    async assign({ members }) {
      const partitions: TopicPartition[] = [];
      for (const [input, changelog] of topics.changelogOf) {
        const inputCount = cluster.findTopicPartitionMetadata(input).length;
        const changelogCount = cluster.findTopicPartitionMetadata(changelog).length;
        for (let p = 0; p < Math.min(inputCount, changelogCount); p++)
          partitions.push({ topic: input, partition: p });
      }
      const assignable = members.map(({ memberId, memberMetadata }) => {
        const metadata = AssignerProtocol.MemberMetadata.decode(memberMetadata);
        let owned: TopicPartition[] = [];
        try {
          owned = metadata?.userData?.length
            ? (JSON.parse(metadata.userData.toString("utf8")) as TopicPartition[])
            : [];
        } catch {
          // a member of another version: no stickiness hint, still assignable
        }
        return { memberId, owned };
      });
      const plan = assignPartitions(partitions, assignable);
      return [...plan].map(([memberId, list]) => {
        const assignment: Record<string, number[]> = {};
        for (const { topic, partition } of list) {
          const changelog = topics.changelogOf.get(topic) as string;
          for (const name of [topic, changelog]) assignment[name] = [...(assignment[name] ?? []), partition];
        }
        return {
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 1,
            assignment,
            userData: Buffer.alloc(0),
          }),
        };
      });
    },
    protocol({ topics: subscribed }) {
      return {
        name: COPARTITIONED_PROTOCOL,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics: subscribed,
          userData: Buffer.from(JSON.stringify(topics.owned())),
        }),
      };
    },
  });
}
