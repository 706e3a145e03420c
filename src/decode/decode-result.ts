import type { DomainEvent } from "./domain-event.js";
import type { RejectReason, SkipReason } from "./reject-reason.js";

/** The outcome of decoding one message: an event, a reject with its reason, or a skip. */
export type DecodeResult =
  | { readonly status: "ok"; readonly event: DomainEvent }
  | { readonly status: "rejected"; readonly reason: RejectReason; readonly detail: string }
  | { readonly status: "skipped"; readonly reason: SkipReason };

/** Builds a reject result. */
export function rejected(reason: RejectReason, detail: string): DecodeResult {
  return { status: "rejected", reason, detail };
}
