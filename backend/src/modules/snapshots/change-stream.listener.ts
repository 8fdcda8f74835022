import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Inject } from '@nestjs/common';
import {
  ChangeStreamError,
  type ChangeStreamSubscription,
  type Connector,
  type StreamedChange,
} from '../../connectors/connector';
import { ConfigService } from '../../config/config.service';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';
import { ConnectorEventsService } from './connector-events.service';
import { CONNECTOR_RESOLVER, type ConnectorResolver } from './snapshot-connectors';
import { SnapshotsService } from './snapshots.service';

/** Waits before subscribing again after a failure: doubling from the first, up to the last. */
export const CHANGE_STREAM_BACKOFF_MS = { first: 1_000, max: 60_000 } as const;

interface StreamState {
  subscription?: ChangeStreamSubscription;
  retry?: NodeJS.Timeout;
  failures: number;
}

/**
 * Subscribes (scheduler role) to the change streams of the connectors in SNAPSHOT_CHANGE_STREAMS. Each
 * change is taken like a webhook's event (ConnectorEventsService.accept: claimed once per event id
 * across processes, then a keyed snapshot and its targeted run), and only then does the connector's
 * stored position (Redis) move past it. A stream that stops, or whose change could not be taken, is
 * subscribed again from that position after a backoff, so a change is taken late rather than lost. A
 * position past the system's retention, or an event that cannot be read, is caught up by incremental
 * snapshots of the connector's entities.
 */
@Injectable()
export class ChangeStreamListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeStreamListener.name);
  private readonly streams = new Map<string, StreamState>();
  private closing = false;

  constructor(
    @Inject(CONNECTOR_RESOLVER) private readonly connectors: ConnectorResolver,
    private readonly events: ConnectorEventsService,
    private readonly snapshots: SnapshotsService,
    private readonly jobs: JobEnqueuer,
    private readonly config: ConfigService,
  ) {}

  onApplicationBootstrap(): void {
    for (const connectorId of this.config.get('SNAPSHOT_CHANGE_STREAMS')) {
      this.streams.set(connectorId, { failures: 0 });
      void this.subscribe(connectorId);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const state of this.streams.values()) {
      clearTimeout(state.retry);
      await state.subscription?.close();
    }
    this.streams.clear();
  }

  private async subscribe(connectorId: string): Promise<void> {
    const state = this.streams.get(connectorId);
    if (!state || this.closing) return;
    let connector: Connector;
    try {
      connector = await this.connectors.get(connectorId);
    } catch (error) {
      this.logger.error(`change stream of ${connectorId}: ${String(error)}`);
      return;
    }
    if (!connector.capabilities.changeStream || !connector.subscribeChanges) {
      // A configuration mistake: retrying cannot mend it.
      this.logger.error(`change stream of ${connectorId}: a ${connector.kind} connector has no change stream`);
      return;
    }
    const position = await this.redis()
      .get(this.positionKey(connectorId))
      .catch((error: unknown) => this.retryLater(connectorId, `its position could not be read: ${String(error)}`));
    if (position === undefined) return;
    try {
      const subscription = await connector.subscribeChanges(position, {
        onChange: (change) => this.take(connectorId, change),
        onMalformed: (error) => {
          this.logger.warn(`change stream of ${connectorId}: passed over an unreadable event: ${error.message}`);
          void this.catchUp(connector, 'an unreadable change event');
        },
        onStopped: (error) => {
          state.subscription = undefined;
          this.stopped(connector, error);
        },
      });
      if (this.closing) {
        await subscription.close();
        return;
      }
      state.subscription = subscription;
      state.failures = 0;
      this.logger.log(
        `subscribed to the change stream of ${connectorId} ${position ? `after ${position}` : 'from now'}`,
      );
    } catch (error) {
      this.stopped(connector, error);
    }
  }

  private async take(connectorId: string, change: StreamedChange): Promise<void> {
    for (const event of change.events) await this.events.accept(connectorId, event, `stream:${connectorId}`);
    await this.redis().set(this.positionKey(connectorId), change.position);
  }

  private stopped(connector: Connector, error: unknown): void {
    if (this.closing) return;
    if (error instanceof ChangeStreamError && error.kind === 'position_lost') {
      // The changes since the stored position are gone from the system's stream: snapshots find them.
      this.logger.warn(`change stream of ${connector.id}: ${error.message}; catching up, then from new changes`);
      void this.redis()
        .del(this.positionKey(connector.id))
        .then(() => this.catchUp(connector, 'a change stream position past its retention'))
        .then(
          () => this.subscribe(connector.id),
          (reason: unknown) => this.retryLater(connector.id, String(reason)),
        );
      return;
    }
    this.retryLater(connector.id, error instanceof Error ? error.message : String(error));
  }

  private retryLater(connectorId: string, reason: string): undefined {
    const state = this.streams.get(connectorId);
    if (!state || this.closing) return undefined;
    const wait = Math.min(CHANGE_STREAM_BACKOFF_MS.max, CHANGE_STREAM_BACKOFF_MS.first * 2 ** state.failures);
    state.failures += 1;
    this.logger.warn(`change stream of ${connectorId} stopped (${reason}); subscribing again in ${wait} ms`);
    clearTimeout(state.retry);
    state.retry = setTimeout(() => void this.subscribe(connectorId), wait);
    return undefined;
  }

  /** Incremental snapshots of every entity the connector streams: what the stream missed, from the watermark. */
  private async catchUp(connector: Connector, why: string): Promise<void> {
    for (const entity of connector.capabilities.entities) {
      try {
        await this.snapshots.request({ connectorId: connector.id, entity, mode: 'incremental', trigger: 'event' });
      } catch (error) {
        this.logger.error(`catching up ${connector.id} ${entity} after ${why}: ${String(error)}`);
      }
    }
  }

  /** Under the queues' prefix: installations sharing a Redis keep their own positions. */
  private positionKey(connectorId: string): string {
    return `${this.config.get('QUEUE_PREFIX')}:change-stream:${connectorId}:position`;
  }

  private redis() {
    return this.jobs.queue(QUEUE.snapshot).client;
  }
}
