/**
 * Idempotency of corrective writes. None of our vendors' update APIs takes an idempotency key
 * (Salesforce sObject PATCH, F&O OData PATCH, Zendesk organization PUT, Tryton `write`), so the
 * connector side remembers which keys it applied:
 *
 * - a key whose write succeeded (or found the target already holding the new value) is recorded with a
 *   fingerprint of the change; replaying it returns `already_applied` without reading or writing the
 *   target, however the target changed since (a later edit by someone else is not ours to undo);
 * - a key reused for a different change is `rejected` (a caller bug, never silently applied);
 * - conflicts, rejections and errors are not recorded: a retry with the same key is evaluated afresh;
 * - concurrent calls with one key run one after the other, so two workers cannot both write.
 *
 * The default ledger lives in process memory (shared by every connector instance of the process,
 * keyed by connector id) and is bounded. A caller that needs replays to be no-ops across restarts
 * passes a durable ledger (`ConnectorDeps.applyLedger`, e.g. backed by the fix-up tasks table).
 * Without the ledger entry (after a restart), a replay falls back to value comparison: the write is
 * conditional, so it is `already_applied` when the target holds the new value, `conflict` when the
 * target holds anything but the expected old value, and written again only when the target was
 * set back to exactly the expected old value.
 */
import { createHash } from 'node:crypto';
import type { ApplyResult, RecordChange } from './connector';

export interface ApplyLedgerEntry {
  /** sha256 of the change the key was used for. */
  fingerprint: string;
  /** When the key was applied (ISO-8601). */
  appliedAt: string;
}

export interface ApplyLedger {
  get(connectorId: string, idempotencyKey: string): Promise<ApplyLedgerEntry | undefined>;
  record(connectorId: string, idempotencyKey: string, entry: ApplyLedgerEntry): Promise<void>;
}

/** The process-memory ledger: oldest entries are forgotten beyond `capacity`. */
export class InMemoryApplyLedger implements ApplyLedger {
  private readonly entries = new Map<string, ApplyLedgerEntry>();

  constructor(private readonly capacity = 200_000) {}

  get size(): number {
    return this.entries.size;
  }

  get(connectorId: string, idempotencyKey: string): Promise<ApplyLedgerEntry | undefined> {
    return Promise.resolve(this.entries.get(`${connectorId}\u0000${idempotencyKey}`));
  }

  record(connectorId: string, idempotencyKey: string, entry: ApplyLedgerEntry): Promise<void> {
    const key = `${connectorId}\u0000${idempotencyKey}`;
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return Promise.resolve();
  }
}

let shared: InMemoryApplyLedger | undefined;
/** The ledger connectors use when none is given: one per process. */
export function sharedApplyLedger(): InMemoryApplyLedger {
  shared ??= new InMemoryApplyLedger();
  return shared;
}

/** Same change, same fingerprint: entity, record and every field's expected old and new value. */
export function changeFingerprint(change: RecordChange): string {
  const fields = [...change.changes]
    .sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0))
    .map((c) => [c.field, c.expectedOld ?? null, c.newValue ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([change.entity, change.sourceKey, fields]))
    .digest('hex');
}

const RECORDED: ReadonlySet<ApplyResult['outcome']> = new Set(['applied', 'already_applied']);

/**
 * Runs corrective writes under their idempotency keys: replays answered from the ledger, calls with
 * one key serialized, successful outcomes recorded. One per connector instance.
 */
export class IdempotentApplier {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly connectorId: string,
    private readonly ledger: ApplyLedger = sharedApplyLedger(),
  ) {}

  /** The ledger's answer for a key, or null when the change must be evaluated against the target. */
  async replayed(change: RecordChange, idempotencyKey: string): Promise<ApplyResult | null> {
    const entry = await this.ledger.get(this.connectorId, idempotencyKey);
    if (!entry) return null;
    if (entry.fingerprint !== changeFingerprint(change)) {
      return {
        outcome: 'rejected',
        reason: `idempotency key ${idempotencyKey} was already used for a different change`,
      };
    }
    return { outcome: 'already_applied', reason: `idempotency key ${idempotencyKey} applied at ${entry.appliedAt}` };
  }

  async remember(change: RecordChange, idempotencyKey: string, result: ApplyResult): Promise<void> {
    if (!RECORDED.has(result.outcome)) return;
    await this.ledger.record(this.connectorId, idempotencyKey, {
      fingerprint: changeFingerprint(change),
      appliedAt: new Date().toISOString(),
    });
  }

  /** One change: ledger first, then `write` (which reads, compares and writes conditionally). */
  async apply(change: RecordChange, idempotencyKey: string, write: () => Promise<ApplyResult>): Promise<ApplyResult> {
    return this.serialized(idempotencyKey, async () => {
      const replay = await this.replayed(change, idempotencyKey);
      if (replay) return replay;
      const result = await write();
      await this.remember(change, idempotencyKey, result);
      return result;
    });
  }

  /** Runs `task` after any other task holding the same key has finished. */
  async serialized<T>(idempotencyKey: string, task: () => Promise<T>): Promise<T> {
    const previous = this.inFlight.get(idempotencyKey) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.inFlight.set(idempotencyKey, settled);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(idempotencyKey) === settled) this.inFlight.delete(idempotencyKey);
    }
  }
}
