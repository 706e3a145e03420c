import { randomUUID } from "node:crypto";

/** Shape of the synthetic traffic. */
export interface GeneratorOptions {
  readonly cameras: number;
  readonly models: number;
  readonly keys: number;
  /** Share of deliberately invalid events, 0 to 1. */
  readonly invalidRatio: number;
  readonly seed: number;
}

/** One generated record: which topic kind it is for, its key and its bytes. */
export interface GeneratedEvent {
  readonly kind: "detection" | "llm";
  /**
   * Keyed as the Python helper keys them: detections by camera, LLM calls by
   * API key, so one camera's (or key's) events stay in one partition.
   */
  readonly key: string;
  readonly value: string;
  readonly valid: boolean;
}

const MODEL_NAMES = ["yolov8n", "yolov8s", "yolov8m", "yolov8l", "yolov8x", "yolo11n", "yolo11s", "yolo11m"];
const LLMS = [
  ["openai", "gpt-4o-mini", 0.9],
  ["openai", "gpt-4o", 2.2],
  ["anthropic", "claude-haiku", 1.1],
  ["anthropic", "claude-sonnet", 2.8],
] as const;

/** mulberry32: small, fast and good enough for load shapes; seeded so runs repeat. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Realistic detection and LLM events: 80 % detections over cameras × models
 * with model-dependent latency, 20 % LLM calls over providers and API keys
 * (the first key fails more often), and on request a share of invalid ones
 * of several kinds.
 */
export class EventGenerator {
  private readonly random: () => number;
  private readonly models: string[];

  constructor(private readonly options: GeneratorOptions) {
    this.random = prng(options.seed);
    this.models = Array.from({ length: options.models }, (_, i) => MODEL_NAMES[i] ?? `yolo-model-${i}`);
  }

  next(now = Date.now()): GeneratedEvent {
    const kind = this.random() < 0.8 ? "detection" : "llm";
    const invalid = this.random() < this.options.invalidRatio;
    const event = kind === "detection" ? this.detection(now) : this.llm(now);
    const key = String(kind === "detection" ? event.camera_id : event.key_id);
    if (invalid) return { kind, key, value: this.invalid(event), valid: false };
    return { kind, key, value: JSON.stringify(event), valid: true };
  }

  private pick(count: number): number {
    return Math.floor(this.random() * count);
  }

  private detection(now: number): Record<string, unknown> {
    const model = this.pick(this.models.length);
    const base = 0.012 * (model + 1);
    return {
      event_id: randomUUID(),
      timestamp: new Date(now).toISOString(),
      camera_id: String(this.pick(this.options.cameras) + 1),
      model_type: this.models[model],
      latency_seconds: Number(
        (base * (0.5 + this.random() * 1.5) + (this.random() < 0.01 ? 0.5 : 0)).toFixed(4),
      ),
      num_objects: this.pick(25),
      num_groups: this.pick(6),
    };
  }

  private llm(now: number): Record<string, unknown> {
    const [provider, model, typical] = LLMS[this.pick(LLMS.length)] as (typeof LLMS)[number];
    const key = this.pick(this.options.keys);
    const roll = this.random();
    const failure = key === 0 ? 0.3 : 0.05;
    const status =
      roll < failure * 0.5
        ? "error"
        : roll < failure * 0.75
          ? "timeout"
          : roll < failure
            ? "rate_limited"
            : "success";
    return {
      event_id: randomUUID(),
      timestamp: now,
      provider,
      model,
      key_id: `key-${key + 1}`,
      status,
      latency_seconds: Number(
        (typical * (0.4 + this.random() * 1.2) * (status === "timeout" ? 10 : 1)).toFixed(3),
      ),
      prompt_tokens: 200 + this.pick(800),
      completion_tokens: status === "success" ? 20 + this.pick(300) : 0,
      camera_id: String(this.pick(this.options.cameras) + 1),
    };
  }

  private invalid(valid: Record<string, unknown>): string {
    switch (this.pick(4)) {
      case 0:
        return JSON.stringify(valid).slice(0, 20);
      case 1:
        return JSON.stringify({ ...valid, latency_seconds: -1 });
      case 2:
        return JSON.stringify({ ...valid, event_id: undefined });
      default:
        return JSON.stringify({ ...valid, timestamp: "yesterday" });
    }
  }
}
