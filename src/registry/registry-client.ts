import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";

/** Where the registry is and how to authenticate to it. */
export interface RegistryConnection {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Longest one request may take; a hung registry must not hold a partition forever. */
  readonly requestTimeoutMs: number;
}

/**
 * A `@kafkajs/confluent-schema-registry` client. Its own retries are kept
 * short: the caller retries an outage with backoff and pauses the partitions
 * that wait, rather than blocking inside one request.
 */
export function createRegistryClient(connection: RegistryConnection): SchemaRegistry {
  const auth =
    connection.username !== undefined
      ? { username: connection.username, password: connection.password ?? "" }
      : undefined;
  return new SchemaRegistry({
    host: connection.url,
    clientId: "metrics-aggregator",
    ...(auth ? { auth } : {}),
    retry: { retries: 1, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 1 },
    middlewares: [
      () => ({
        prepareRequest: (next) =>
          next().then((request) => request.enhance({ timeout: connection.requestTimeoutMs })),
      }),
    ],
  });
}

/** The HTTP status of a failed registry request; mappersmith reports network errors as 400. */
export function registryErrorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}
