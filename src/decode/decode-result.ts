import type { RejectReason, SkipReason } from "../events/reject-reason.js";
import type { StreamEvent } from "../events/stream-event.js";

/**
 * The outcome of decoding one message: an event, a reject with its reason, a
 * skip, or `needs_schema` when a framed message's schema is not loaded yet
 * (the caller loads it and decodes the message again).
 */
export type DecodeResult =
  | { readonly status: "ok"; readonly event: StreamEvent }
  | { readonly status: "rejected"; readonly reason: RejectReason; readonly detail: string }
  | { readonly status: "skipped"; readonly reason: SkipReason }
  | { readonly status: "needs_schema"; readonly schemaId: number };

/** Builds a reject result. */
export function rejected(reason: RejectReason, detail: string): DecodeResult {
  return { status: "rejected", reason, detail };
}
