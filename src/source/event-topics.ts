import { type ComponentStatus, notReady, ready } from "../util/component-status.js";

/** What the topic check reports; `SelfMetrics` implements it. */
export interface TopicTelemetry {
  /** 1 while a stream's topic does not exist, 0 once it does. */
  recordTopicMissing(topic: string, stream: string, missing: boolean): void;
}

/**
 * Which of the catalogue's event topics exist. A stream whose topic does not
 * exist yet is that stream's problem only: the others are consumed and shown
 * as before, and the missing one is consumed from the moment it appears
 * (rolling out a catalogue before its producers exist is the normal order of
 * a deploy). The service is ready while at least one event topic exists.
 */
export class EventTopics {
  private readonly existing = new Set<string>();
  private checked = false;

  constructor(
    /** Event topic → the catalogue stream it carries. */
    private readonly streams: ReadonlyMap<string, string>,
    private readonly telemetry: TopicTelemetry,
  ) {}

  /** Takes the cluster's topic list; returns the event topics that exist now and did not at the last call. */
  update(clusterTopics: ReadonlySet<string>): string[] {
    const appeared: string[] = [];
    for (const [topic, stream] of this.streams) {
      const exists = clusterTopics.has(topic);
      if (exists && !this.existing.has(topic)) appeared.push(topic);
      if (exists) this.existing.add(topic);
      else this.existing.delete(topic);
      this.telemetry.recordTopicMissing(topic, stream, !exists);
    }
    this.checked = true;
    return appeared;
  }

  /** The event topics that exist, in catalogue order. */
  get present(): string[] {
    return [...this.streams.keys()].filter((topic) => this.existing.has(topic));
  }

  /** The event topics that do not exist (yet). */
  get missing(): string[] {
    return this.checked ? [...this.streams.keys()].filter((topic) => !this.existing.has(topic)) : [];
  }

  /** Ready while some event topic exists; the detail names the missing ones and their streams. */
  status(): ComponentStatus {
    if (!this.checked) return notReady("not known yet: the brokers have not answered");
    const missing = this.missing.map((topic) => `${topic} (stream ${this.streams.get(topic)})`);
    if (missing.length === this.streams.size) {
      return notReady(`waiting for the event topics: none exists yet (${missing.join(", ")})`);
    }
    if (missing.length === 0) return ready(`${this.streams.size} event topics exist`);
    return ready(
      `consuming ${this.present.join(", ")}; not yet created: ${missing.join(", ")} (consumed as soon as it is)`,
    );
  }
}
