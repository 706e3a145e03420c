/** Protocol errors that mean another producer with the same transactional id took over (or the broker ended ours). */
const FENCED = new Set([
  "INVALID_PRODUCER_EPOCH",
  "PRODUCER_FENCED",
  "INVALID_PRODUCER_ID_MAPPING",
  "INVALID_TXN_STATE",
]);

const AUTHORIZATION = new Set([
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
]);

/** The protocol error type kafkajs attached, looking through its wrappers. */
export function errorType(error: unknown): string | undefined {
  let current = error as
    | { type?: string; originalError?: unknown; cause?: unknown; errors?: unknown[] }
    | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.type === "string") return current.type;
    // kafkajs's aggregate errors (topic creation) carry one error per topic
    current = (current.originalError ?? current.cause ?? current.errors?.[0]) as typeof current;
  }
  return undefined;
}

/** True when the error says another owner took the partition's producer over. */
export function isFenced(error: unknown): boolean {
  const type = errorType(error);
  return (
    (type !== undefined && FENCED.has(type)) ||
    /fenced|epoch|state ABORTING|state COMMITTING/i.test(String((error as Error)?.message))
  );
}

/** True when the broker refused an operation for lack of an ACL. */
export function isAuthorizationError(error: unknown): boolean {
  const type = errorType(error);
  return type !== undefined && AUTHORIZATION.has(type);
}

/** One line for logs and `/readyz`; with `recent`, what the broker really answered when kafkajs hid it. */
export function describeError(error: unknown, recent?: RecentBrokerErrors): string {
  const type = errorType(error);
  const message = (error as Error)?.message ?? String(error);
  const hiddenType = hidesBrokerAnswer(error) ? recent?.authorizationType() : undefined;
  if (hiddenType) return `${message}: the broker answered "${recent?.lastMessage()}" (${hiddenType})`;
  return type && !message.includes(type) ? `${message} (${type})` : message;
}

function hidesBrokerAnswer(error: unknown): boolean {
  return /Failed to find group coordinator/.test(String((error as Error)?.message));
}

/**
 * The broker errors a kafkajs client heard lately. kafkajs reports a refused
 * coordinator lookup (FindCoordinator answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
 * only as "Failed to find group coordinator"; the connection log still has the answer.
 */
export class RecentBrokerErrors {
  private last: { message: string; atMs: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  note(message: string): void {
    this.last = { message, atMs: this.now() };
  }

  /** The last error answered, if within `withinMs`. */
  lastMessage(withinMs = 60_000): string | undefined {
    return this.last && this.now() - this.last.atMs <= withinMs ? this.last.message : undefined;
  }

  /** The type of an authorization error a broker answered in the last `withinMs`. */
  authorizationType(withinMs = 60_000): string | undefined {
    if (this.last === undefined || this.now() - this.last.atMs > withinMs) return undefined;
    const match = /(Transactional Id|Topic|Group|Cluster) authorization failed/i.exec(this.last.message);
    return match ? `${(match[1] as string).replace(" ", "_").toUpperCase()}_AUTHORIZATION_FAILED` : undefined;
  }
}

/**
 * What an operator should change when the durable state cannot work, for
 * errors that retrying will not fix: an ACL, or brokers without transactions.
 */
export function remedy(error: unknown, groupId: string, recent?: RecentBrokerErrors): string | undefined {
  switch ((hidesBrokerAnswer(error) ? recent?.authorizationType() : undefined) ?? errorType(error)) {
    case "TRANSACTIONAL_ID_AUTHORIZATION_FAILED":
      return `grant WRITE and DESCRIBE on transactional ids with the prefix "${groupId}/", or set STATE_MODE=memory`;
    case "TOPIC_AUTHORIZATION_FAILED":
      return "grant READ, WRITE and DESCRIBE on the state changelog topics, or set STATE_MODE=memory";
    case "GROUP_AUTHORIZATION_FAILED":
      return `grant READ on the consumer group "${groupId}" (offsets are committed in transactions), or set STATE_MODE=memory`;
    case "CLUSTER_AUTHORIZATION_FAILED":
      return "grant the cluster permissions transactions need (IDEMPOTENT_WRITE), or set STATE_MODE=memory";
    case "COORDINATOR_NOT_AVAILABLE":
    case "GROUP_COORDINATOR_NOT_AVAILABLE":
      return "if it lasts, the brokers cannot coordinate transactions (check transaction.state.log.replication.factor and min.insync.replicas against the brokers), or set STATE_MODE=memory";
    default:
      return undefined;
  }
}
