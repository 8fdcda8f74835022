/**
 * The org's retained change events. replayIds count up by one across every object; only the latest
 * `capacity` events are kept (Salesforce keeps three days' worth), so memory stays bounded however
 * long the estate runs. Each event is kept as the JSON text of its `data`: built once, sent as is.
 */
import type { ChangeEventBody } from './change-event-builder';

export interface RetainedChangeEvent {
  replayId: number;
  entityName: string;
  /** `{"schema", "payload", "event": {"replayId"}}` as delivered. */
  json: string;
}

export const DEFAULT_RETAINED_EVENTS = 50_000;

export class ChangeEventLog {
  private readonly ring: (RetainedChangeEvent | undefined)[];
  /** Ring index of the oldest retained event. */
  private start = 0;
  private count = 0;
  private last = 0;
  private readonly listeners: ((event: RetainedChangeEvent) => void)[] = [];

  constructor(readonly capacity = DEFAULT_RETAINED_EVENTS) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`retained change events must be a positive integer, got ${capacity}`);
    this.ring = new Array<RetainedChangeEvent | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The replayId of the latest event ever published (0 before the first). */
  get lastReplayId(): number {
    return this.last;
  }

  /** The oldest replayId still retained, null when none is. */
  get firstReplayId(): number | null {
    return this.count > 0 ? this.last - this.count + 1 : null;
  }

  append(entityName: string, body: ChangeEventBody): RetainedChangeEvent {
    const replayId = ++this.last;
    const event = { replayId, entityName, json: JSON.stringify({ ...body, event: { replayId } }) };
    if (this.count === this.capacity) this.dropOldest();
    this.ring[(this.start + this.count) % this.capacity] = event;
    this.count++;
    for (const listener of this.listeners) listener(event);
    return event;
  }

  onAppend(listener: (event: RetainedChangeEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Whether a subscriber can resume after `replayId`: no later event has been dropped, and it is not
   * in the future.
   */
  canResumeAfter(replayId: number): boolean {
    return Number.isInteger(replayId) && replayId >= this.last - this.count && replayId <= this.last;
  }

  /** The retained events after `replayId`, oldest first (every retained one for 0). */
  after(replayId: number): RetainedChangeEvent[] {
    const first = this.last - this.count + 1;
    const out: RetainedChangeEvent[] = [];
    for (let id = Math.max(replayId + 1, first); id <= this.last; id++)
      out.push(this.ring[(this.start + id - first) % this.capacity]!);
    return out;
  }

  /**
   * Drops the retained events up to `throughReplayId` (every one by default), as the passing of
   * Salesforce's retention window does: resuming from before them then fails. Returns how many went.
   */
  expire(throughReplayId = this.last): number {
    let dropped = 0;
    while (this.count > 0 && this.last - this.count + 1 <= throughReplayId) {
      this.dropOldest();
      dropped++;
    }
    return dropped;
  }

  private dropOldest(): void {
    this.ring[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }
}
