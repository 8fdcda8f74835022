import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CronTime } from 'cron';
import { ConfigService } from '../../config/config.service';
import type { ConnectorHealth } from '../../connectors/connector';
import { SecretRedactor } from '../../http/secret-redaction';
import { parseSchedules, type SnapshotSchedule } from '../snapshots/snapshot-config';
import { progressOf } from '../snapshots/snapshot-progress';
import { CONNECTOR_CATALOG, type ConnectorCatalog } from './connector-catalog';
import { ConnectorsStatusRepository } from './connectors-status.repository';
import type { ConnectorStatusDto, EntitySnapshotStatusDto, FreshnessState } from './connectors-status.dto';

const THROUGHPUT_RUNS = 5;
/** A source that does not answer its health check within this is reported down (not waited for). */
export const HEALTH_TIMEOUT_MS = 5000;

/**
 * Connector health (each connector's own `health()`, cached so the dashboard does not hammer the
 * sources), last complete snapshot per entity, freshness against the snapshot schedule, throughput
 * and running snapshots.
 */
@Injectable()
export class ConnectorsStatusService {
  private readonly health = new Map<string, { at: number; result: Promise<ConnectorHealth> }>();
  private readonly schedules: SnapshotSchedule[];
  private readonly healthTtlMs: number;

  /** Connectors whose change stream the scheduler subscribes to (SNAPSHOT_CHANGE_STREAMS). */
  private readonly streamed: Set<string>;

  constructor(
    @Inject(CONNECTOR_CATALOG) private readonly catalog: ConnectorCatalog,
    private readonly repository: ConnectorsStatusRepository,
    private readonly redactor: SecretRedactor,
    config: ConfigService,
  ) {
    this.schedules = parseSchedules(config.get('SNAPSHOT_SCHEDULES'));
    this.healthTtlMs = config.get('CONNECTOR_HEALTH_CACHE_MS');
    this.streamed = new Set(config.get('SNAPSHOT_CHANGE_STREAMS'));
  }

  async list(): Promise<ConnectorStatusDto[]> {
    return this.statusOf(this.catalog.ids());
  }

  async one(id: string): Promise<ConnectorStatusDto> {
    if (!this.catalog.ids().includes(id)) throw new NotFoundException(`connector ${id} is not configured`);
    const [status] = await this.statusOf([id]);
    if (!status) throw new NotFoundException(`connector ${id} is not configured`);
    return status;
  }

  private async statusOf(ids: string[]): Promise<ConnectorStatusDto[]> {
    if (ids.length === 0) return [];
    const [complete, finished, throughput, running, healths] = await Promise.all([
      this.repository.latestComplete(ids),
      this.repository.latestFinished(ids),
      this.repository.throughput(ids, THROUGHPUT_RUNS),
      this.repository.activeRuns(ids),
      Promise.all(ids.map((id) => this.cachedHealth(id))),
    ]);
    const now = Date.now();
    const pair = (r: { connectorId: string; entity: string }) => `${r.connectorId}\u0000${r.entity}`;
    const index = <T extends { connectorId: string; entity: string }>(rows: T[]) =>
      new Map(rows.map((r) => [pair(r), r]));
    const [anyByPair, fullByPair, finishedByPair, throughputByPair] = [
      index(complete.any),
      index(complete.full),
      index(finished),
      index(throughput),
    ];
    return Promise.all(
      ids.map(async (id, i): Promise<ConnectorStatusDto> => {
        const connector = await this.catalog.get(id);
        const { capabilities } = connector;
        const entities = [
          ...new Set([
            ...capabilities.entities,
            ...this.schedules.filter((s) => s.connectorId === id).map((s) => s.entity),
            ...complete.any.filter((r) => r.connectorId === id).map((r) => r.entity),
          ]),
        ].sort();
        const snapshots = entities.map((entity): EntitySnapshotStatusDto => {
          const key = `${id}\u0000${entity}`;
          const lastComplete = anyByPair.get(key) ?? null;
          const schedules = this.schedules
            .filter((s) => s.connectorId === id && s.entity === entity)
            .map((s) => ({ mode: s.mode, cron: s.cron, intervalSeconds: intervalSeconds(s.cron) }));
          const ageSeconds = lastComplete?.finishedAt
            ? Math.max(0, Math.round((now - Date.parse(lastComplete.finishedAt)) / 1000))
            : null;
          const shortest = Math.min(...schedules.map((s) => s.intervalSeconds ?? Infinity));
          const freshness: FreshnessState =
            ageSeconds === null
              ? 'never'
              : !Number.isFinite(shortest)
                ? 'unscheduled'
                : ageSeconds <= 2 * shortest
                  ? 'fresh'
                  : 'stale';
          const t = throughputByPair.get(key);
          return {
            entity,
            schedules,
            lastComplete,
            lastCompleteFull: fullByPair.get(key) ?? null,
            lastFinished: finishedByPair.get(key) ?? null,
            ageSeconds,
            freshness,
            throughputRowsPerS: t?.rowsPerS ?? null,
            throughputRuns: t?.runs ?? 0,
          };
        });
        const health = healths[i];
        return {
          id,
          kind: connector.kind,
          entities: capabilities.entities,
          writableEntities: capabilities.writableEntities,
          incremental: capabilities.incremental,
          changeEvents: capabilities.changeEvents,
          changeStream: (capabilities.changeStream ?? false) && this.streamed.has(id),
          health,
          snapshots,
          running: running.filter((r) => r.connectorId === id).map((r) => progressOf(r)),
        };
      }),
    );
  }

  /** The connector's health, from cache when checked within CONNECTOR_HEALTH_CACHE_MS. */
  private async cachedHealth(id: string): Promise<ConnectorStatusDto['health']> {
    const now = Date.now();
    const cached = this.health.get(id);
    if (cached && now - cached.at < this.healthTtlMs) {
      return { ...(await cached.result), checkedAt: new Date(cached.at).toISOString(), cached: true };
    }
    const result = this.check(id);
    this.health.set(id, { at: now, result });
    return { ...(await result), checkedAt: new Date(now).toISOString(), cached: false };
  }

  private async check(id: string): Promise<ConnectorHealth> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const connector = await this.catalog.get(id);
      const timeout = new Promise<ConnectorHealth>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              up: false,
              latencyMs: HEALTH_TIMEOUT_MS,
              detail: `no answer within ${HEALTH_TIMEOUT_MS} ms`,
            }),
          HEALTH_TIMEOUT_MS,
        );
      });
      const health = await Promise.race([connector.health(), timeout]);
      return health.detail === undefined ? health : { ...health, detail: this.redactor.text(health.detail) };
    } catch (error) {
      // A connector that throws instead of reporting is down; its message may name a URL: redact it.
      return {
        up: false,
        latencyMs: Math.round(performance.now() - started),
        detail: this.redactor.text(error instanceof Error ? error.message : String(error)),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Shortest gap between the next firings of a cron expression (UTC), in seconds. */
function intervalSeconds(cron: string): number | null {
  try {
    const times = new CronTime(cron, 'UTC').sendAt(8).map((t) => t.toMillis());
    let shortest = Infinity;
    for (let i = 1; i < times.length; i += 1) shortest = Math.min(shortest, (times[i] ?? 0) - (times[i - 1] ?? 0));
    return Number.isFinite(shortest) ? Math.round(shortest / 1000) : null;
  } catch {
    return null;
  }
}
