import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigService } from '../../config/config.service';
import type { EntityKind } from '../../connectors/canonical-model';
import { SnapshotCompanionsRepository, type CompanionKeys } from './snapshot-companions.repository';
import { CONNECTOR_RESOLVER, type ConnectorResolver } from './snapshot-connectors';
import { ConnectorBusyError, SnapshotRunnerService } from './snapshot-runner.service';
import { MAX_TARGETED_KEYS } from './snapshots.service';

/** How long a companion read waits for a slot of a connector at its limit (a long full snapshot holds it). */
const BUSY_WAIT_MS = 10_000;
const BUSY_RETRY_MS = 500;

/** One companion read: a keyed snapshot of another system's records, or why there was none. */
export interface CompanionRead {
  connectorId: string;
  keys: number;
  runId: string | null;
  /** `busy`: the connector had no free slot in time; `skipped`: no connector reads this entity there. */
  status: 'complete' | 'failed' | 'busy' | 'skipped';
  reason?: string;
}

/**
 * Companion reads. A change event names records of one system; the targeted run that follows compares
 * them with the other systems' last snapshots, which may predate the change's source: an ERP move
 * that the integration copied into the CRM shows, streamed from the CRM within seconds, as the CRM
 * differing from the ERP's stale value, and the owner's old value would be "expected". So after an
 * event's keyed snapshot, the same records are read again from every other system holding them (by
 * match key or crosswalk link), and the run compares current values on both sides.
 */
@Injectable()
export class SnapshotCompanionsService {
  private readonly logger = new Logger(SnapshotCompanionsService.name);

  constructor(
    private readonly config: ConfigService,
    private readonly repository: SnapshotCompanionsRepository,
    private readonly runner: SnapshotRunnerService,
    @Inject(CONNECTOR_RESOLVER) private readonly connectors: ConnectorResolver,
  ) {}

  /**
   * Reads the companions of event snapshot `runId` (system `connectorId`). Never throws for a companion
   * that cannot be read: the event's own snapshot stands, and the run compares with what is stored.
   */
  async readAfter(
    event: { runId: string; connectorId: string; entity: EntityKind; jobId: string },
    signal?: AbortSignal,
  ): Promise<CompanionRead[]> {
    if (!this.config.get('SNAPSHOT_COMPANION_READS')) return [];
    let elsewhere: CompanionKeys[];
    try {
      elsewhere = await this.repository.keysElsewhere(event.entity, event.connectorId, event.runId, MAX_TARGETED_KEYS);
    } catch (error) {
      // The event's snapshot is complete: failing its job now would retry it and hold back its run.
      this.logger.warn(`no companion reads after event snapshot ${event.runId}: ${messageOf(error)}`);
      return [];
    }
    const reads = await Promise.all(elsewhere.map(({ system, keys }) => this.readOne(event, system, keys, signal)));
    for (const read of reads) {
      if (read.status !== 'complete') {
        this.logger.warn(
          `companion read of ${read.keys} ${read.connectorId} ${event.entity} records after event snapshot ` +
            `${event.runId}: ${read.status}${read.reason ? ` (${read.reason})` : ''}; the run compares with their last snapshot`,
        );
      }
    }
    return reads;
  }

  private async readOne(
    event: { runId: string; entity: EntityKind; jobId: string },
    connectorId: string,
    keys: string[],
    signal?: AbortSignal,
  ): Promise<CompanionRead> {
    const read = { connectorId, keys: keys.length, runId: null };
    let reads: boolean;
    try {
      reads = (await this.connectors.get(connectorId)).capabilities.entities.includes(event.entity);
    } catch (error) {
      return { ...read, status: 'skipped', reason: messageOf(error) };
    }
    if (!reads) return { ...read, status: 'skipped', reason: `the connector does not read ${event.entity}` };
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (;;) {
      try {
        const run = await this.runner.execute(
          {
            connectorId,
            entity: event.entity,
            mode: 'incremental',
            trigger: 'event',
            keys,
            jobId: `${event.jobId}:companion:${connectorId}`,
          },
          { signal },
        );
        return { ...read, runId: run.id, status: 'complete' };
      } catch (error) {
        if (error instanceof ConnectorBusyError && Date.now() < deadline && !signal?.aborted) {
          await sleep(BUSY_RETRY_MS);
          continue;
        }
        if (error instanceof ConnectorBusyError) return { ...read, status: 'busy', reason: error.message };
        return { ...read, status: 'failed', reason: messageOf(error) };
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
