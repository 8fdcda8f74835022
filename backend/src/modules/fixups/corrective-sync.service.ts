import { Inject, Injectable, Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { CanonicalRecord, EntityKind } from '../../connectors/canonical-model';
import type { ApplyResult, Connector, RecordChange } from '../../connectors/connector';
import { getPath, sameValue } from '../../connectors/mapping/entity-mapping';
import { classifyError, errorText } from './corrective-sync-errors';
import { FIXUP_TARGETS, type FixupTargets } from './fixup-connectors';
import type { FixupTaskView } from './fixup-task';
import { FixupsRepository } from './fixups.repository';
import { FIXUPS_SETTINGS, type FixupsSettings } from './fixups-settings';
import { FixupsMetrics } from './fixups.metrics';
import { WriteRateLimiter, type WriteSlot } from './write-rate-limiter';

export interface ApplyItem {
  taskId: string;
  /** Bull will not try this job again if it fails now. */
  lastAttempt: boolean;
}

/** What the job of one task should do: complete, be retried later, or fail for good (dead-lettered). */
export type ItemResult =
  | { kind: 'finished'; state: string }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'dead_lettered'; error: string };

interface BatchApply {
  applyMany(items: { change: RecordChange; idempotencyKey: string }[]): Promise<ApplyResult[]>;
}
const hasApplyMany = (c: Connector): c is Connector & BatchApply =>
  typeof (c as Partial<BatchApply>).applyMany === 'function';

/** A connector that can read some fields of records (Salesforce: SOQL of just those fields). */
interface FieldRead {
  readFields<E extends EntityKind>(entity: E, keys: string[], fields: readonly string[]): Promise<CanonicalRecord<E>[]>;
}
const hasReadFields = (c: Connector): c is Connector & FieldRead =>
  typeof (c as Partial<FieldRead>).readFields === 'function';

/**
 * Applies fix-up tasks through the target connector: claim (compare-and-set queued → applying with a
 * lease), conditional write with the task's idempotency key (one composite call where the connector
 * batches), then read-after-write verification. A value changed since the finding is a conflict for
 * review, never overwritten; a write the target refuses goes to a person.
 */
@Injectable()
export class CorrectiveSyncService {
  private readonly logger = new Logger(CorrectiveSyncService.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly tasks: FixupsRepository,
    @Inject(FIXUP_TARGETS) private readonly targets: FixupTargets,
    @Inject(FIXUPS_SETTINGS) private readonly settings: FixupsSettings,
    private readonly metrics: FixupsMetrics,
    private readonly limiter: WriteRateLimiter,
  ) {}

  private get actor(): string {
    return `worker:${this.workerId}`;
  }

  async applyBatch(connectorId: string, items: readonly ApplyItem[]): Promise<Map<string, ItemResult>> {
    const results = new Map<string, ItemResult>();
    const lastAttempt = new Map(items.map((i) => [i.taskId, i.lastAttempt]));
    const tasks = await this.tasks.claim(
      items.map((i) => i.taskId),
      this.workerId,
      this.settings.sync.leaseMs,
    );
    const claimedIds = new Set(tasks.map((c) => c.id));
    const unclaimed = items.filter((i) => !claimedIds.has(i.taskId)).map((i) => i.taskId);
    for (const task of await this.tasks.findMany(unclaimed)) {
      // Another live worker holds it: come back after its lease; anything else is not ours to apply.
      results.set(
        task.id,
        task.state === 'applying' || task.state === 'verifying'
          ? { kind: 'retry', error: 'another worker is applying this task', retryAfterMs: this.settings.sync.leaseMs }
          : { kind: 'finished', state: task.state },
      );
    }
    for (const id of unclaimed) if (!results.has(id)) results.set(id, { kind: 'finished', state: 'missing' });
    if (tasks.length === 0) return results;

    const connector = this.targets.get(connectorId);
    const superseded = await this.ownerCheck(tasks);
    const moves: Promise<void>[] = [];
    for (const task of tasks) {
      const reason = superseded.get(task.id);
      if (reason === undefined) continue;
      this.metrics.sync.inc({ connector: connectorId, outcome: 'superseded' });
      moves.push(this.move(task.id, 'dismissed', reason));
      results.set(task.id, { kind: 'finished', state: 'dismissed' });
    }
    const writable = tasks.filter((t) => !results.has(t.id));
    const outcomes = await this.write(connectorId, connector, writable);
    const toVerify: FixupTaskView[] = [];
    // A failed call fails its whole chunk with one error: those tasks move together.
    const failedByError = new Map<unknown, FixupTaskView[]>();
    for (const task of writable) {
      const outcome = outcomes.get(task.id)!;
      if ('error' in outcome) {
        const group = failedByError.get(outcome.error);
        if (group) group.push(task);
        else failedByError.set(outcome.error, [task]);
        continue;
      }
      this.metrics.sync.inc({ connector: connectorId, outcome: outcome.result.outcome });
      switch (outcome.result.outcome) {
        case 'applied':
        case 'already_applied':
          toVerify.push(task);
          break;
        case 'conflict':
          moves.push(
            this.move(task.id, 'conflict', outcome.result.reason ?? 'the target changed since the finding', {
              currentValues: outcome.result.currentValues,
            }),
          );
          results.set(task.id, { kind: 'finished', state: 'conflict' });
          break;
        case 'rejected':
          moves.push(
            this.move(task.id, 'needs_review', `the target refused the write: ${outcome.result.reason ?? ''}`, {
              validationFailure: outcome.result.reason,
            }),
          );
          results.set(task.id, { kind: 'finished', state: 'needs_review' });
          break;
      }
    }
    for (const [error, group] of failedByError)
      for (const [id, result] of await this.failed(connectorId, group, error, 'applying', lastAttempt))
        results.set(id, result);
    await Promise.all(moves);
    if (toVerify.length > 0) {
      await this.tasks.transition({
        ids: toVerify.map((t) => t.id),
        from: ['applying'],
        to: 'verifying',
        actor: this.actor,
        patch: { appliedAt: true },
      });
      for (const [id, result] of await this.verify(connectorId, connector, toVerify, lastAttempt))
        results.set(id, result);
    }
    return results;
  }

  /**
   * The owner's value wins as the owner holds it now, not as the snapshot a finding came from held it:
   * each field task's owner record is read live first (through the owner's connector, when there is
   * one). Where the owner now holds another value (a change that reached the owner after its snapshot
   * and the copy before, as a CRM change stream sees a move the ERP made minutes earlier), writing the
   * planned value would put the stale one back into the copy: the task is superseded instead and nothing
   * is written; the next run judges the records again. An owner that cannot be read is passed over
   * (counted as `owner_unread`), not waited for.
   */
  private async ownerCheck(tasks: readonly FixupTaskView[]): Promise<Map<string, string>> {
    const superseded = new Map<string, string>();
    const owners = await this.tasks.ownerRecords(tasks.filter((t) => t.changes.length > 0).map((t) => t.id));
    const groups = new Map<string, { system: string; entity: string; tasks: FixupTaskView[] }>();
    for (const task of tasks) {
      const owner = owners.get(task.id);
      if (!owner || owner.system === task.targetSystem || !this.targets.ids().includes(owner.system)) continue;
      const id = `${owner.system}\u0000${task.entity}`;
      const group = groups.get(id) ?? { system: owner.system, entity: task.entity, tasks: [] };
      group.tasks.push(task);
      groups.set(id, group);
    }
    for (const { system, entity, tasks: group } of groups.values()) {
      const owner = this.targets.get(system);
      const keys = [...new Set(group.map((t) => owners.get(t.id)!.key))];
      const fields = [...new Set(group.flatMap((t) => t.changes.map((c) => c.field)))];
      let records;
      try {
        records = hasReadFields(owner)
          ? await owner.readFields(entity as EntityKind, keys, fields)
          : await owner.read(entity as EntityKind, keys);
      } catch (error) {
        // An owner that is down must not stall the writes to other systems (each target has its own
        // queue): written as planned, as the target's own conditional write still guards the copy.
        this.metrics.sync.inc({ connector: system, outcome: 'owner_unread' }, group.length);
        this.logger.warn(`fix-up tasks written without reading the owner ${system} first: ${String(error)}`);
        continue;
      }
      const byKey = new Map(records.map((r) => [r.sourceKey, r]));
      for (const task of group) {
        const record = byKey.get(owners.get(task.id)!.key);
        const moved = task.changes.filter((c) => !record || !sameValue(getPath(record.fields, c.field), c.newValue));
        if (moved.length === 0) continue;
        const holds = record
          ? `now holds ${moved
              .map(
                (c) =>
                  `${JSON.stringify(getPath(record.fields, c.field) ?? null)} for ${c.field}, not the planned ${JSON.stringify(c.newValue)}`,
              )
              .join('; ')}`
          : `no longer has record ${owners.get(task.id)!.key}`;
        superseded.set(
          task.id,
          `superseded: ${system} (the owner) ${holds}: nothing written; the next run judges the records again`,
        );
      }
    }
    return superseded;
  }

  /**
   * The writes, one connector call per chunk. With a rate limit for the target, each chunk first takes
   * as many write slots as it has records from the shared limiter (every worker process counts against
   * the same window) and gives them back when the call returns; chunks are small enough for several to
   * share one second.
   */
  private async write(
    connectorId: string,
    connector: Connector,
    tasks: readonly FixupTaskView[],
  ): Promise<Map<string, { result: ApplyResult } | { error: unknown }>> {
    const out = new Map<string, { result: ApplyResult } | { error: unknown }>();
    const rate = this.settings.sync.ratePerSecond(connectorId);
    const chunkSize = hasApplyMany(connector) ? (rate > 0 ? writeChunkSize(rate) : tasks.length) : 1;
    const chunks: FixupTaskView[][] = [];
    for (let i = 0; i < tasks.length; i += chunkSize) chunks.push(tasks.slice(i, i + chunkSize));
    await Promise.all(
      chunks.map(async (chunk) => {
        let slot: WriteSlot | undefined;
        try {
          if (rate > 0) slot = await this.limiter.acquire(connectorId, chunk.length, rate);
          const requests = chunk.map((t) => ({ change: changeOf(t), idempotencyKey: t.idempotencyKey }));
          const results = hasApplyMany(connector)
            ? await connector.applyMany(requests)
            : [await connector.apply(requests[0].change, requests[0].idempotencyKey)];
          chunk.forEach((t, i) => out.set(t.id, { result: results[i] }));
        } catch (error) {
          for (const t of chunk) out.set(t.id, { error });
        } finally {
          // A slot that cannot be given back (Redis gone) still runs out after its hold time.
          await slot
            ?.release()
            .catch((error: unknown) => this.logger.warn(`write slot not released: ${String(error)}`));
        }
      }),
    );
    return out;
  }

  /** Read-after-write: every written field must now read as the new value. */
  private async verify(
    connectorId: string,
    connector: Connector,
    tasks: readonly FixupTaskView[],
    lastAttempt: ReadonlyMap<string, boolean>,
  ): Promise<Map<string, ItemResult>> {
    const results = new Map<string, ItemResult>();
    const byEntity = new Map<string, FixupTaskView[]>();
    for (const t of tasks) {
      const group = byEntity.get(t.entity);
      if (group) group.push(t);
      else byEntity.set(t.entity, [t]);
    }
    const done: string[] = [];
    const moves: Promise<void>[] = [];
    for (const [entity, group] of byEntity) {
      let records;
      try {
        const keys = [...new Set(group.map((t) => t.sourceKey))];
        const fields = [...new Set(group.flatMap((t) => t.changes.map((c) => c.field)))];
        records = hasReadFields(connector)
          ? await connector.readFields(entity as EntityKind, keys, fields)
          : await connector.read(entity as EntityKind, keys);
      } catch (error) {
        for (const [id, result] of await this.failed(connectorId, group, error, 'verifying', lastAttempt))
          results.set(id, result);
        continue;
      }
      const byKey = new Map(records.map((r) => [r.sourceKey, r]));
      for (const t of group) {
        const record = byKey.get(t.sourceKey);
        const wrong = t.changes.filter((c) => !record || !sameValue(getPath(record.fields, c.field), c.newValue));
        if (wrong.length === 0) {
          done.push(t.id);
          continue;
        }
        const reason = record
          ? `read-after-write: ${wrong.map((c) => `${c.field} reads ${JSON.stringify(getPath(record.fields, c.field))}`).join(', ')}`
          : `read-after-write: record ${t.sourceKey} not found`;
        this.metrics.sync.inc({ connector: connectorId, outcome: 'verify_failed' });
        moves.push(this.move(t.id, 'failed', reason, undefined, 'verifying'));
        results.set(t.id, { kind: 'finished', state: 'failed' });
      }
    }
    await Promise.all(moves);
    if (done.length > 0) {
      await this.tasks.transition({
        ids: done,
        from: ['verifying'],
        to: 'done',
        actor: this.actor,
        reason: 'verified by reading the target back',
        patch: { finished: true, claim: null, lastError: null },
      });
      for (const id of done) results.set(id, { kind: 'finished', state: 'done' });
    }
    return results;
  }

  /**
   * Tasks whose call failed with one error: retried (back to `queued`) unless this was their job's last
   * attempt or the error is not retryable, then dead-lettered with the reason. One transition per outcome.
   */
  private async failed(
    connectorId: string,
    tasks: readonly FixupTaskView[],
    error: unknown,
    from: 'applying' | 'verifying',
    lastAttempt: ReadonlyMap<string, boolean>,
  ): Promise<Map<string, ItemResult>> {
    const results = new Map<string, ItemResult>();
    const text = errorText(error);
    const verdict = classifyError(error);
    const retry = tasks.filter((t) => verdict.retryable && !lastAttempt.get(t.id));
    const dead = tasks.filter((t) => !verdict.retryable || lastAttempt.get(t.id));
    if (retry.length > 0) {
      this.metrics.sync.inc({ connector: connectorId, outcome: 'retried' }, retry.length);
      await this.tasks.transition({
        ids: retry.map((t) => t.id),
        from: [from],
        to: 'queued',
        actor: this.actor,
        reason: 'will retry',
        patch: { lastError: text, claim: null },
      });
      const retryAfterMs = verdict.retryable ? verdict.retryAfterMs : undefined;
      for (const t of retry) results.set(t.id, { kind: 'retry', error: text, retryAfterMs });
    }
    if (dead.length > 0) {
      const reason = verdict.retryable ? `retries exhausted: ${text}` : `not retryable: ${text}`;
      this.metrics.sync.inc({ connector: connectorId, outcome: 'dead_lettered' }, dead.length);
      this.logger.warn(`fix-up task(s) ${dead.map((t) => t.id).join(', ')} dead-lettered: ${reason}`);
      await this.tasks.transition({
        ids: dead.map((t) => t.id),
        from: [from],
        to: 'dead_lettered',
        actor: this.actor,
        reason,
        patch: { lastError: text, claim: null, finished: true },
      });
      for (const t of dead) results.set(t.id, { kind: 'dead_lettered', error: reason });
    }
    return results;
  }

  private async move(
    id: string,
    to: 'conflict' | 'needs_review' | 'failed' | 'dismissed',
    reason: string,
    details?: unknown,
    from: 'applying' | 'verifying' = 'applying',
  ): Promise<void> {
    await this.tasks.transition({
      ids: [id],
      from: [from],
      to,
      actor: this.actor,
      reason,
      details,
      patch: { claim: null, lastError: reason, finished: true },
    });
  }
}

/**
 * Records per rate-limited write call: about a fifth of the per-second limit, so that a few calls share
 * each second (a call holds its slots until a second after it returns).
 */
export function writeChunkSize(ratePerSecond: number): number {
  return Math.max(1, Math.floor(ratePerSecond / 5));
}

function changeOf(task: FixupTaskView): RecordChange {
  return {
    entity: task.entity as EntityKind,
    sourceKey: task.sourceKey,
    changes: task.changes.map((c) => ({ field: c.field, expectedOld: c.expectedOld, newValue: c.newValue })),
  };
}
