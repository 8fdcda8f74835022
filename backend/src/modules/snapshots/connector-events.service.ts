import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  CHANGE_EVENT_MAX_AGE_SECONDS,
  ChangeEventRejectedError,
  type ChangeEvent,
  type InboundHeaders,
} from '../../connectors/connector';
import { ConfigService } from '../../config/config.service';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';
import { AuditService } from '../audit/audit.service';
import { CONNECTOR_RESOLVER, type ConnectorResolver } from './snapshot-connectors';
import { SnapshotsService } from './snapshots.service';

/** The connector does not take pushed change events (no capability, or not configured for them). */
export class ChangeEventsUnsupportedError extends Error {
  constructor(connectorId: string) {
    super(`connector ${connectorId} does not accept change events`);
    this.name = 'ChangeEventsUnsupportedError';
  }
}

export interface AcceptedChangeEvent {
  eventId: string;
  /**
   * The snapshot run of this event; null until it exists (a coalesced window's run starts when the
   * window has closed) and while the first delivery of a duplicate is still enqueuing.
   */
  runId: string | null;
  /** The snapshot job that takes this event's keys (with coalescing, its window's job). */
  jobId: string | null;
  /** When the event's coalescing window closes and its snapshot starts; null without coalescing. */
  windowClosesAt: Date | null;
  /** The event was accepted before (a redelivery): nothing new was enqueued. */
  duplicate: boolean;
}

/** Event ids are remembered a little longer than connectors accept events by their signed time. */
const REMEMBER_SECONDS = CHANGE_EVENT_MAX_AGE_SECONDS + 3600;
const PENDING = 'pending';
/** A claim's value: the run id, or (for a coalesced event, whose run comes later) `job:<job id>`. */
const JOB_CLAIM = 'job:';

/**
 * Inbound change events (the WMS webhook): authenticated by the connector over the exact bytes
 * received, taken once per event id across every API process (Redis), and turned into a keyed,
 * incremental snapshot of just the records the event names.
 */
@Injectable()
export class ConnectorEventsService {
  constructor(
    @Inject(CONNECTOR_RESOLVER) private readonly connectors: ConnectorResolver,
    private readonly snapshots: SnapshotsService,
    private readonly jobs: JobEnqueuer,
    private readonly config: ConfigService,
    // Absent where the snapshots module runs without the audit module (its own integration tests).
    @Optional() private readonly audit?: AuditService,
  ) {}

  async receive(
    connectorId: string,
    rawBody: Buffer | undefined,
    headers: InboundHeaders,
  ): Promise<AcceptedChangeEvent> {
    // Fails with UnknownConnectorError (404) before anything else.
    const connector = await this.connectors.get(connectorId);
    if (!connector.capabilities.changeEvents || !connector.parseChangeEvent) {
      throw new ChangeEventsUnsupportedError(connectorId);
    }
    if (!rawBody || rawBody.length === 0) {
      throw new ChangeEventRejectedError(
        'payload',
        'the body must be a JSON change event (Content-Type: application/json)',
      );
    }
    return this.accept(connectorId, connector.parseChangeEvent(rawBody, headers), `webhook:${connectorId}`);
  }

  /**
   * Takes one change event, from a webhook or a subscribed change stream (`actor` says which, in the
   * audit log): the first delivery of its id enqueues the snapshot of its keys; a redelivery, from any
   * process, finds the id taken and enqueues nothing.
   */
  async accept(connectorId: string, event: ChangeEvent, actor: string): Promise<AcceptedChangeEvent> {
    // The first delivery claims the event id; a redelivery (the sender's retry, a replay) finds it taken.
    const redis = this.jobs.queue(QUEUE.snapshot).client;
    // Under the queues' prefix: installations (and test runs) sharing a Redis keep their own claims.
    const claim = `${this.config.get('QUEUE_PREFIX')}:connector-event:${connectorId}:${event.eventId}`;
    const first = await redis.set(claim, PENDING, 'EX', REMEMBER_SECONDS, 'NX');
    let accepted: AcceptedChangeEvent;
    if (first !== 'OK') {
      accepted = { eventId: event.eventId, ...(await this.claimed(await redis.get(claim))), duplicate: true };
    } else {
      try {
        const windowMs = this.config.get('SNAPSHOT_EVENT_WINDOW_MS');
        if (event.keys.length === 0) {
          // The event says records changed without naming them: an incremental snapshot catches up.
          const { runId, jobId } = await this.snapshots.request({
            connectorId,
            entity: event.entity,
            mode: 'incremental',
            trigger: 'event',
          });
          await redis.set(claim, runId, 'EX', REMEMBER_SECONDS);
          accepted = { eventId: event.eventId, runId, jobId, windowClosesAt: null, duplicate: false };
        } else if (windowMs > 0) {
          const window = await this.snapshots.snapshotKeysInWindow(connectorId, event.entity, event.keys, windowMs);
          await redis.set(claim, `${JOB_CLAIM}${window.jobId}`, 'EX', REMEMBER_SECONDS);
          accepted = {
            eventId: event.eventId,
            runId: null,
            jobId: window.jobId,
            windowClosesAt: window.closesAt,
            duplicate: false,
          };
        } else {
          const { runId, jobId } = await this.snapshots.snapshotKeys(connectorId, event.entity, event.keys);
          await redis.set(claim, runId, 'EX', REMEMBER_SECONDS);
          accepted = { eventId: event.eventId, runId, jobId, windowClosesAt: null, duplicate: false };
        }
      } catch (error) {
        // Nothing was enqueued: let the sender's retry take the event.
        await redis.del(claim);
        throw error;
      }
    }
    await this.audit?.record({
      actor,
      action: accepted.duplicate ? 'connector.event.duplicate' : 'connector.event',
      subjectType: accepted.runId || !accepted.jobId ? 'snapshot_run' : 'snapshot_job',
      subjectId: accepted.runId ?? accepted.jobId,
      after: { eventId: event.eventId, entity: event.entity, keys: event.keys },
    });
    return accepted;
  }

  /** What a redelivery answers: the first delivery's run, once its (window's) job has started one. */
  private async claimed(
    value: string | null,
  ): Promise<Pick<AcceptedChangeEvent, 'runId' | 'jobId' | 'windowClosesAt'>> {
    if (!value || value === PENDING) return { runId: null, jobId: null, windowClosesAt: null };
    if (!value.startsWith(JOB_CLAIM)) return { runId: value, jobId: null, windowClosesAt: null };
    const jobId = value.slice(JOB_CLAIM.length);
    const run = await this.snapshots.runOfJob(jobId);
    return { runId: run?.id ?? null, jobId, windowClosesAt: null };
  }
}
