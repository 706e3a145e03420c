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
  let current = error as { type?: string; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.type === "string") return current.type;
    current = (current.originalError ?? current.cause) as typeof current;
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

/** One line for logs and `/readyz`. */
export function describeError(error: unknown): string {
  const type = errorType(error);
  const message = (error as Error)?.message ?? String(error);
  return type && !message.includes(type) ? `${message} (${type})` : message;
}
