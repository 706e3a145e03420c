/** LLM call outcomes the contract allows. */
export const LLM_STATUSES = ["success", "error", "timeout", "rate_limited"] as const;
export type LlmStatus = (typeof LLM_STATUSES)[number];

/** One processed camera frame, normalised from any wire encoding. */
export interface DetectionEvent {
  readonly kind: "detection";
  readonly eventId: string;
  /** Event time in epoch milliseconds. */
  readonly timeMs: number;
  readonly cameraId: string;
  readonly modelType: string;
  readonly latencySeconds: number;
  readonly numObjects: number;
  readonly numGroups: number;
}

/** One LLM call, normalised from any wire encoding. */
export interface LlmEvent {
  readonly kind: "llm";
  readonly eventId: string;
  /** Event time in epoch milliseconds. */
  readonly timeMs: number;
  readonly provider: string;
  readonly model: string;
  readonly keyId: string;
  readonly status: LlmStatus;
  readonly latencySeconds: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cameraId: string | undefined;
}

/** What the aggregator consumes: events that passed validation. */
export type DomainEvent = DetectionEvent | LlmEvent;

/** Which contract a topic carries. */
export type EventKind = DomainEvent["kind"];
