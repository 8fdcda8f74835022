import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronRegistrations } from './cron-registrations';

/**
 * A cron (UTC) whose tick enqueues one job per slot under an id derived from the slot, so several
 * schedulers fire each slot once. Slots are whole minutes, or whole seconds for a six-field
 * (seconds) expression. An empty cron schedules nothing.
 */
export abstract class SlotSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly crons: CronRegistrations;
  private readonly slotMs: number;

  protected constructor(
    registry: SchedulerRegistry,
    private readonly name: string,
    private readonly cronTime: string,
    /** What is enqueued, for the logs ("the alert status check"). */
    private readonly what: string,
  ) {
    this.logger = new Logger(this.constructor.name);
    this.crons = new CronRegistrations(registry);
    this.slotMs = cronTime.split(/\s+/).length === 6 ? 1000 : 60_000;
  }

  /** Enqueues the slot's job; `slot` is the slot's start (ISO). */
  protected abstract enqueue(slot: string): Promise<unknown>;

  onApplicationBootstrap(): void {
    if (!this.cronTime) return;
    this.crons.add(this.name, this.cronTime, () => this.tick());
    this.logger.log(`${this.what} scheduled at "${this.cronTime}" (UTC)`);
  }

  onApplicationShutdown(): void {
    this.crons.removeAll();
  }

  async tick(at: Date = new Date()): Promise<void> {
    const slot = new Date(Math.floor(at.getTime() / this.slotMs) * this.slotMs).toISOString();
    try {
      await this.enqueue(slot);
    } catch (error) {
      this.logger.error(`could not enqueue ${this.what}: ${String(error)}`);
    }
  }
}
