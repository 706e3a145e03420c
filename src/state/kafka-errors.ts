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

/** An error of kafkajs's, as far as classifying it goes. */
interface KafkaErrorLike {
  readonly name?: string;
  readonly type?: string;
  readonly originalError?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown[];
}

/** The error and the ones it wraps, outermost first (kafkajs wraps retries and aggregates). */
function* errorChain(error: unknown): Generator<KafkaErrorLike> {
  let current = error as KafkaErrorLike | undefined;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    yield current;
    // kafkajs's aggregate errors (topic creation) carry one error per topic
    current = (current.originalError ?? current.cause ?? current.errors?.[0]) as KafkaErrorLike | undefined;
  }
}

/** The protocol error type kafkajs attached, looking through its wrappers. */
export function errorType(error: unknown): string | undefined {
  for (const link of errorChain(error)) if (typeof link.type === "string") return link.type;
  return undefined;
}

/** kafkajs's errors for a broker that cannot be reached at all (not one that answered with an error). */
const UNREACHABLE = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
]);

/** True when no broker could be reached (DNS, refused or timed-out connections), looking through wrappers. */
export function isConnectionError(error: unknown): boolean {
  for (const link of errorChain(error))
    if (link.name !== undefined && UNREACHABLE.has(link.name)) return true;
  return false;
}

/** The innermost message of a kafkajs error: the connection's own words (`getaddrinfo ENOTFOUND nohost`). */
export function rootMessage(error: unknown): string {
  let message = String((error as Error)?.message ?? error);
  for (const link of errorChain(error)) {
    const own = (link as { message?: unknown }).message;
    if (typeof own === "string" && own !== "") message = own;
  }
  return message;
}

/** True when the broker said another owner took the partition's producer over (by the protocol error, not the text). */
export function isFenced(error: unknown): boolean {
  const type = errorType(error);
  return type !== undefined && FENCED.has(type);
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

/**
 * kafkajs's "Failed to find group coordinator" (`KafkaJSGroupCoordinatorNotFound`):
 * the coordinator lookup's own answer is only in the connection log.
 */
function hidesBrokerAnswer(error: unknown): boolean {
  for (const link of errorChain(error)) if (link.name === "KafkaJSGroupCoordinatorNotFound") return true;
  return false;
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
