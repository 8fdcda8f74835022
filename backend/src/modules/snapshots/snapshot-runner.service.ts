import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ConfigService } from '../../config/config.service';
import type { EntityKind, RejectedRecord } from '../../connectors/canonical-model';
import type { ExtractBatch } from '../../connectors/connector';
import { CONNECTOR_RESOLVER, type ConnectorResolver } from './snapshot-connectors';
import { parseConcurrency } from './snapshot-config';
import { progressOf } from './snapshot-progress';
import type { SnapshotProgress } from './snapshot.dto';
import { RowBinaryEncoder } from './snapshot-row.encoder';
import { batchMapper, type RowValues } from './snapshot-row.mapper';
import type { SnapshotRunEntity } from './snapshot-run.entity';
import { RunRequest, SnapshotRunsRepository } from './snapshot-runs.repository';
import { SnapshotStoreRepository } from './snapshot-store.repository';

export class ConnectorBusyError extends Error {
  constructor(connectorId: string, limit: number) {
    super(`connector ${connectorId} already runs ${limit} snapshot(s), its limit`);
    this.name = 'ConnectorBusyError';
  }
}

export class SnapshotIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotIntegrityError';
  }
}

export interface ExecuteOptions {
  queuedRunId?: string;
  attempt?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SnapshotProgress) => void;
}

const HEARTBEAT_MS = 5_000;
const STALE_AFTER_MS = 120_000;
const PROGRESS_EVERY_MS = 1_000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs one snapshot: extract → validate/normalise → streamed ClickHouse inserts of many thousand
 * rows each → verify → current state, transitions, deletions → catalog. Each run writes under its own
 * snapshot id (= run id). A run that does not reach the end is marked failed (or partial when it was
 * stopped) and its rows are removed; a rerun is a new run that replaces it, so rows are never doubled,
 * and nothing reads a snapshot id that is not in the catalog.
 */
@Injectable()
export class SnapshotRunnerService {
  private readonly logger = new Logger(SnapshotRunnerService.name);
  private readonly limitOf: (connectorId: string) => number;
  private readonly insertRows: number;
  private readonly watermarkLookbackMs: number;

  constructor(
    config: ConfigService,
    private readonly runs: SnapshotRunsRepository,
    private readonly store: SnapshotStoreRepository,
    @Inject(CONNECTOR_RESOLVER) private readonly connectors: ConnectorResolver,
  ) {
    this.limitOf = parseConcurrency(
      config.get('SNAPSHOT_CONNECTOR_CONCURRENCY'),
      config.get('SNAPSHOT_DEFAULT_CONNECTOR_CONCURRENCY'),
    );
    this.insertRows = config.get('SNAPSHOT_INSERT_ROWS');
    this.watermarkLookbackMs = config.get('SNAPSHOT_WATERMARK_LOOKBACK_MS');
  }

  async execute(request: RunRequest, options: ExecuteOptions = {}): Promise<SnapshotRunEntity> {
    const limit = this.limitOf(request.connectorId);
    const run = await this.runs.start(
      { ...request, queuedRunId: options.queuedRunId, attempt: options.attempt ?? 1 },
      limit,
      STALE_AFTER_MS,
    );
    if (!run) throw new ConnectorBusyError(request.connectorId, limit);
    const state = {
      rowsRead: 0,
      rowsWritten: 0,
      rejects: 0,
      cursor: null as string | null,
      total: null as number | null,
      watermark: 0,
    };
    const heartbeat = setInterval(() => {
      this.runs.progress(run.id, this.snapshotOf(state)).catch((error: unknown) => {
        this.logger.warn(`heartbeat of run ${run.id} failed: ${messageOf(error)}`);
      });
    }, HEARTBEAT_MS);
    const startedAt = run.startedAt ?? new Date();
    // Seconds, as the watermark is counted.
    const watermarkCap = Math.floor((startedAt.getTime() - this.watermarkLookbackMs) / 1000);
    const report = async (): Promise<void> => {
      await this.runs.progress(run.id, this.snapshotOf(state));
      if (options.onProgress) {
        Object.assign(run, this.snapshotOf(state));
        options.onProgress(progressOf(run));
      }
    };
    let closeSource = (): void => undefined;
    // Every insert request not yet answered; a failed run waits for them before purging its rows.
    const openInserts = new Set<Promise<void>>();
    // The insert whose rows are all sent and whose answer is awaited; its rows count once it lands.
    let inFlight: { insert: Promise<void>; rows: number } | null = null;
    const settleInsert = async (): Promise<void> => {
      if (!inFlight) return;
      const { insert, rows } = inFlight;
      inFlight = null;
      await insert;
      state.rowsWritten += rows;
    };
    try {
      await this.purgeUnfinished(request.connectorId, request.entity);
      const connector = await this.connectors.get(request.connectorId);
      const targeted = (request.keys?.length ?? 0) > 0;
      const since =
        request.mode === 'incremental' && !targeted
          ? await this.runs.lastCompleteWatermark(request.connectorId, request.entity)
          : null;
      if (since) await this.runs.setSince(run.id, since);
      const batches = connector
        .extract(request.entity, {
          mode: request.mode,
          since: since ?? undefined,
          keys: targeted ? request.keys : undefined,
          signal: options.signal,
        })
        [Symbol.asyncIterator]();
      closeSource = () => void batches.return?.()?.catch(() => undefined);
      const context = {
        system: request.connectorId,
        snapshotId: run.id,
        capturedAt: Math.floor(startedAt.getTime() / 1000),
      };
      const mapBatch = batchMapper(request.entity, context);
      let exhausted = false;
      let lastReport = 0;
      // Valid rows are encoded for ClickHouse as they are mapped; `encoder.rows` of them wait to be sent.
      const encoder = new RowBinaryEncoder(request.entity);
      const encode = (values: RowValues): void => encoder.writeValues(values);
      let rejects: RejectedRecord[] = [];
      // Read-ahead: the next page is requested (and mapped by the connector) while this one is
      // validated and inserted; the sequential fetch-then-insert loop left the source and ClickHouse
      // idle in turn.
      let ahead: Promise<IteratorResult<ExtractBatch>> | null = null;
      const requestNext = (): Promise<IteratorResult<ExtractBatch>> => {
        const next = batches.next();
        next.catch(() => undefined); // awaited (and thrown) by pull; never unhandled if the run ends first
        return next;
      };
      // Progress writes go to Postgres beside the stream, one at a time; a failed write fails the run.
      let reporting: Promise<void> | null = null;
      let reportError: Error | null = null;
      const reportBeside = (): void => {
        if (reporting) return;
        lastReport = Date.now();
        reporting = report()
          .catch((error: unknown) => {
            reportError ??= error instanceof Error ? error : new Error(messageOf(error));
          })
          .finally(() => {
            reporting = null;
          });
      };
      const settleReport = async (): Promise<void> => {
        if (reporting) await reporting;
        if (reportError !== null) throw reportError;
      };

      // Pulls one batch from the source, encoding its valid rows and collecting its rejects.
      const pull = async (): Promise<void> => {
        const next = await (ahead ?? requestNext());
        ahead = null;
        if (next.done) {
          exhausted = true;
          return;
        }
        const batch: ExtractBatch = next.value;
        if (batch.cursor !== null) ahead = requestNext();
        const watermark = mapBatch(batch.records, encode, rejects, state.watermark);
        // A keyed run's records are newer than changes it never read: its time is no place to resume from.
        // Nor, past the lookback before this run started, a record's time seen after pages already read.
        if (!targeted) state.watermark = Math.min(watermark, watermarkCap);
        for (const reject of batch.rejects) rejects.push(reject);
        state.rowsRead += batch.records.length + batch.rejects.length;
        state.cursor = batch.cursor;
        if (typeof batch.total === 'number') state.total = batch.total;
        if (batch.cursor === null) exhausted = true;
        if (reportError !== null) throw reportError;
      };

      while (!exhausted) {
        while (!exhausted && encoder.rows === 0) await pull();
        if (encoder.rows > 0) {
          // One insert request streams pages of encoded rows until it holds SNAPSHOT_INSERT_ROWS.
          let chunkRows = 0;
          const limitRows = this.insertRows;
          let complete = false;
          let ended = (): void => undefined;
          const streamEnded = new Promise<void>((resolve) => (ended = resolve));
          const pages = async function* (this: void): AsyncGenerator<Buffer> {
            try {
              while (true) {
                if (encoder.rows > 0) {
                  chunkRows += encoder.rows;
                  yield encoder.take();
                }
                if (exhausted || chunkRows >= limitRows) {
                  complete = true;
                  return;
                }
                await pull();
                if (Date.now() - lastReport >= PROGRESS_EVERY_MS) reportBeside();
              }
            } finally {
              ended();
            }
          };
          const insert = this.store.insertRows(
            request.entity,
            Readable.from(pages(), { objectMode: false }),
            options.signal,
          );
          openInserts.add(insert);
          // Awaited below or by settleInsert (or waited for when the run fails); never unhandled.
          insert.catch(() => undefined).finally(() => openInserts.delete(insert));
          // Once this request holds all its rows, the previous one must have landed; this one then
          // completes on the server (sorting and writing its part) while the next pages are read and
          // mapped, instead of the pipeline waiting for it. At most two inserts are open at a time.
          await Promise.race([streamEnded, insert]);
          // A stream cut short (the source failed, or the insert did) fails the run with the insert's error.
          if (!complete) await insert;
          await settleInsert();
          inFlight = { insert, rows: chunkRows };
        }
        if (rejects.length > 0) {
          await this.store.insertRejects(run.id, rejects, new Date());
          state.rejects += rejects.length;
          rejects = [];
        }
        await settleReport();
        lastReport = Date.now();
        await report();
      }

      await settleInsert();
      const streamedMs = Date.now() - startedAt.getTime();
      const stored = await this.store.countRows(request.entity, request.connectorId, run.id);
      if (stored !== state.rowsWritten) {
        throw new SnapshotIntegrityError(
          `ClickHouse holds ${stored} rows for snapshot ${run.id}, the run wrote ${state.rowsWritten}`,
        );
      }
      const version = startedAt.getTime();
      await this.store.recordTransitions(
        request.entity,
        request.connectorId,
        run.id,
        connector.transitionsAt?.(request.entity) ?? 'statusTime',
      );
      await this.store.updateCurrent(request.entity, request.connectorId, run.id, version);
      const deletedKeys = targeted
        ? await this.store.markKeyedDeletions(
            request.entity,
            request.connectorId,
            run.id,
            request.keys ?? [],
            startedAt,
            version,
          )
        : request.mode === 'full'
          ? await this.store.markDeletions(request.entity, request.connectorId, run.id, startedAt, version)
          : 0;
      const completedAt = new Date();
      await this.store.addToCatalog({
        snapshotId: run.id,
        system: request.connectorId,
        entity: request.entity,
        // Some records only: never the system's whole state, whatever mode was asked for.
        mode: targeted ? 'keyed' : request.mode,
        rowCount: state.rowsWritten,
        rejectCount: state.rejects,
        deletedKeys: targeted ? deletedKeys : 0,
        startedAt,
        completedAt,
      });
      const durationMs = completedAt.getTime() - startedAt.getTime();
      const finished = await this.runs.finish(run.id, {
        status: 'complete',
        rowsWritten: state.rowsWritten,
        rejects: state.rejects,
        deletedKeys,
        durationMs,
        rowsPerS: durationMs > 0 ? (state.rowsWritten / durationMs) * 1000 : null,
      });
      if (!finished) throw new SnapshotIntegrityError(`run ${run.id} was ended by someone else while it finished`);
      this.logger.log(
        `snapshot ${run.id} ${request.connectorId}/${request.entity} ${request.mode} complete: ` +
          `${state.rowsWritten} rows, ${state.rejects} rejects, ${deletedKeys} deleted, ${durationMs} ms (extract and insert ${streamedMs} ms, then finalise)`,
      );
    } catch (error) {
      // An insert still open would land after the purge below and leave rows behind: let them end first.
      await settleInsert().catch(() => undefined);
      await Promise.allSettled([...openInserts]);
      await this.fail(run, state, error, options.signal?.aborted === true);
      throw error;
    } finally {
      clearInterval(heartbeat);
      closeSource();
      if (options.onProgress) {
        const final = await this.runs.findById(run.id).catch(() => null);
        if (final) options.onProgress(progressOf(final));
      }
    }
    return (await this.runs.findById(run.id)) ?? run;
  }

  private snapshotOf(state: {
    rowsRead: number;
    rowsWritten: number;
    rejects: number;
    cursor: string | null;
    total: number | null;
    watermark: number;
  }) {
    return {
      rowsRead: state.rowsRead,
      rowsWritten: state.rowsWritten,
      rejects: state.rejects,
      cursor: state.cursor,
      total: state.total,
      watermark: state.watermark > 0 ? new Date(state.watermark * 1000) : null,
    };
  }

  /** Marks the run failed (partial when stopped on request) and removes its rows where possible. */
  private async fail(
    run: SnapshotRunEntity,
    state: { rowsWritten: number; rejects: number },
    error: unknown,
    stopped: boolean,
  ): Promise<void> {
    const reason = messageOf(error);
    this.logger.error(`snapshot ${run.id} ${run.connectorId}/${run.entity} failed: ${reason}`);
    try {
      await this.runs.finish(run.id, {
        status: stopped ? 'partial' : 'failed',
        error: reason,
        rowsWritten: state.rowsWritten,
        rejects: state.rejects,
        durationMs: Date.now() - (run.startedAt ?? new Date()).getTime(),
      });
    } catch (finishError) {
      // Postgres is down too: the heartbeat stops, so the next start marks this run failed as stale.
      this.logger.error(`could not record the failure of run ${run.id}: ${messageOf(finishError)}`);
    }
    try {
      await this.store.purge(run.entity as EntityKind, run.id);
      await this.runs.markPurged(run.id);
    } catch (purgeError) {
      // ClickHouse is unreachable: the next run of this connector and entity purges it first.
      this.logger.warn(`rows of run ${run.id} not purged yet: ${messageOf(purgeError)}`);
    }
  }

  private async purgeUnfinished(connectorId: string, entity: EntityKind): Promise<void> {
    for (const stale of await this.runs.unpurged(connectorId, entity)) {
      await this.store.purge(entity, stale.id);
      await this.runs.markPurged(stale.id);
    }
  }
}
