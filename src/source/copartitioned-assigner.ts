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
  /**
   * The topics it subscribed to; only their partitions go to it. Members
   * subscribe to different topics for a moment when an event topic appears
   * (each joins again once it has seen it). Absent: every topic.
   */
  readonly topics?: ReadonlySet<string>;
}

const keyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;
const byPartitionThenTopic = (a: TopicPartition, b: TopicPartition) =>
  a.partition - b.partition || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0);

/**
 * Spreads input partitions over members as evenly as possible (counts differ
 * by at most one when every member takes every topic) while leaving each
 * partition with the member that owned it when that keeps the balance: a
 * partition that stays needs no restore. A partition goes only to a member
 * subscribed to its topic; those few members can take are placed first, each
 * on the least loaded of them. Deterministic for the same input, so every
 * leader computes the same plan.
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
  const takes = (member: AssignableMember, tp: TopicPartition) => member.topics?.has(tp.topic) ?? true;
  for (const member of sorted) {
    for (const tp of [...member.owned].sort(byPartitionThenTopic)) {
      if (
        free.has(keyOf(tp)) &&
        takes(member, tp) &&
        cap((plan.get(member.memberId) as TopicPartition[]).length)
      )
        take(member.memberId, tp);
    }
  }
  const eligible = new Map<string, AssignableMember[]>();
  for (const tp of free.values())
    eligible.set(
      keyOf(tp),
      sorted.filter((member) => takes(member, tp)),
    );
  const rest = [...free.values()].sort(
    (a, b) =>
      (eligible.get(keyOf(a)) as AssignableMember[]).length -
        (eligible.get(keyOf(b)) as AssignableMember[]).length || byPartitionThenTopic(a, b),
  );
  for (const tp of rest) {
    let chosen: string | undefined;
    let chosenFits = false;
    for (const member of eligible.get(keyOf(tp)) as AssignableMember[]) {
      const count = (plan.get(member.memberId) as TopicPartition[]).length;
      const fits = cap(count);
      const fewer = chosen === undefined || count < (plan.get(chosen) as TopicPartition[]).length;
      if ((fits && !chosenFits) || (fits === chosenFits && fewer)) {
        chosen = member.memberId;
        chosenFits = fits;
      }
    }
    // No member takes its topic (none subscribed yet): it waits for the next rebalance.
    if (chosen !== undefined) take(chosen, tp);
  }
  return plan;
}

/** What the assigner needs from the service: the topic pairs and the partitions it owns now. */
export interface CopartitionedTopics {
  /** The event topics. */
  readonly inputs: readonly string[];
  /** Event topic → its changelog topic (durable mode; none in memory mode). */
  readonly changelogOf: ReadonlyMap<string, string>;
  /** Input partitions this member owns (restored and consuming), sent to the leader as stickiness hints. */
  owned(): readonly TopicPartition[];
}

export const COPARTITIONED_PROTOCOL = "metrics-aggregator-copartitioned";

/**
 * A kafkajs partition assigner that keeps partitions where they are when the
 * balance allows it and gives a topic's partitions only to members subscribed
 * to it. With durable state, input partition p and changelog partition p
 * always go to the same member, so the member that consumes p can restore
 * p's state from its own assignment. Every member of the group must offer it
 * (Kafka refuses a group whose members share no protocol).
 */
export function copartitionedAssigner(topics: CopartitionedTopics): PartitionAssigner {
  return ({ cluster }) => ({
    name: COPARTITIONED_PROTOCOL,
    version: 1,
    async assign({ members }) {
      const partitions: TopicPartition[] = [];
      for (const input of topics.inputs) {
        const changelog = topics.changelogOf.get(input);
        let count = cluster.findTopicPartitionMetadata(input).length;
        if (changelog !== undefined)
          count = Math.min(count, cluster.findTopicPartitionMetadata(changelog).length);
        for (let p = 0; p < count; p++) partitions.push({ topic: input, partition: p });
      }
      const assignable = members.map(({ memberId, memberMetadata }): AssignableMember => {
        const metadata = AssignerProtocol.MemberMetadata.decode(memberMetadata);
        let owned: TopicPartition[] = [];
        try {
          owned = metadata?.userData?.length
            ? (JSON.parse(metadata.userData.toString("utf8")) as TopicPartition[])
            : [];
        } catch {
          // a member of another version: no stickiness hint, still assignable
        }
        // With durable state a member can take an input topic only with its changelog.
        const subscribed = new Set(metadata?.topics ?? []);
        const takes = topics.inputs.filter((input) => {
          const changelog = topics.changelogOf.get(input);
          return subscribed.has(input) && (changelog === undefined || subscribed.has(changelog));
        });
        return { memberId, owned, topics: new Set(takes) };
      });
      const plan = assignPartitions(partitions, assignable);
      return [...plan].map(([memberId, list]) => {
        const assignment: Record<string, number[]> = {};
        for (const { topic, partition } of list) {
          const changelog = topics.changelogOf.get(topic);
          for (const name of changelog === undefined ? [topic] : [topic, changelog]) {
            const partitions = assignment[name] ?? [];
            partitions.push(partition);
            assignment[name] = partitions;
          }
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
