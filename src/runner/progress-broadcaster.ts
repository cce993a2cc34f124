/**
 * Throttled progress for subscribers: a change marks the experiment dirty; at most once per
 * throttle interval the progress is read from the database (once, whatever the number of
 * subscribers) and published. `flush` publishes at once, so the final state is never held back.
 */
import type { EventBus } from "../events/event-bus";
import { topics } from "../events/event-bus";
import type { Logger } from "../logger";
import type { Progress } from "./types";

export class ProgressBroadcaster {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly lastSent = new Map<number, number>();
  private readonly pending = new Set<number>();

  constructor(
    private readonly bus: EventBus,
    private readonly read: (experimentId: number) => Promise<Progress>,
    private readonly throttleMs: number,
    private readonly logger: Logger,
  ) {}

  /** Something changed in the experiment: publish soon (throttled). */
  changed(experimentId: number): void {
    if (this.bus.listenerCount(topics.experimentProgress(experimentId)) === 0) return;
    if (this.timers.has(experimentId)) {
      this.pending.add(experimentId);
      return;
    }
    const wait = Math.max(0, (this.lastSent.get(experimentId) ?? 0) + this.throttleMs - Date.now());
    this.timers.set(
      experimentId,
      setTimeout(() => void this.publish(experimentId), wait),
    );
  }

  /** Publishes now (used when a run ends, so that the final progress goes out whatever the throttle). */
  async flush(experimentId: number): Promise<void> {
    clearTimeout(this.timers.get(experimentId));
    this.timers.delete(experimentId);
    this.pending.delete(experimentId);
    await this.send(experimentId);
  }

  private async publish(experimentId: number): Promise<void> {
    this.pending.delete(experimentId);
    await this.send(experimentId);
    this.timers.delete(experimentId);
    if (this.pending.has(experimentId)) {
      this.pending.delete(experimentId);
      this.changed(experimentId);
    }
  }

  private async send(experimentId: number): Promise<void> {
    const topic = topics.experimentProgress(experimentId);
    if (this.bus.listenerCount(topic) === 0) return;
    try {
      const progress = await this.read(experimentId);
      this.lastSent.set(experimentId, Date.now());
      this.bus.publish(topic, progress);
    } catch (error) {
      this.logger.warn(`progress of experiment ${experimentId} not published: ${(error as Error).message}`);
    }
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
