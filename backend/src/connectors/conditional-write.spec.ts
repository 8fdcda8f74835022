import type { CanonicalRecord } from './canonical-model';
import {
  afterPreconditionFailed,
  preconditionFailed,
  PRECONDITION_REWRITES,
  writeConditionally,
  type ConditionalWrites,
  type WriteAttempt,
} from './conditional-write';
import type { RecordChange } from './connector';
import { planApply } from './mapping/apply-plan';
import { EntityMapper } from './mapping/entity-mapping';

const mapper = new EntityMapper('customer', 'crm', {
  key: 'Id',
  fields: {
    legalName: { from: 'Name', normalize: 'string' },
    email: { from: 'Email', normalize: 'email' },
  },
});
const REFUSED = 'the record changed since it was read (412 Precondition Failed)';

/**
 * A target whose records carry a version, as an ETag or a write date does: a write is refused when
 * the version moved since the read it was planned from, whichever field moved it. `meanwhile` runs
 * between a read and its write (another fix-up of the record landing first).
 */
class VersionedTarget implements ConditionalWrites {
  readonly records = new Map<string, { row: Record<string, unknown>; version: number }>();
  writes = 0;
  rereads = 0;
  meanwhile: (key: string) => void = () => undefined;

  put(key: string, row: Record<string, unknown>): void {
    const version = (this.records.get(key)?.version ?? 0) + 1;
    this.records.set(key, { row: { ...this.records.get(key)?.row, ...row, Id: key }, version });
  }

  record(key: string): CanonicalRecord | undefined {
    const stored = this.records.get(key);
    const mapped = stored ? mapper.map(stored.row) : undefined;
    return mapped && 'record' in mapped ? mapped.record : undefined;
  }

  mapper = () => mapper;

  write(changes: RecordChange[]): Promise<WriteAttempt[]> {
    return Promise.resolve(
      changes.map((change) => {
        const readVersion = this.records.get(change.sourceKey)?.version;
        const plan = planApply(mapper, change, this.record(change.sourceKey));
        if (plan.kind === 'done') return plan.result;
        this.meanwhile(change.sourceKey);
        this.writes++;
        if (this.records.get(change.sourceKey)?.version !== readVersion) return preconditionFailed(REFUSED);
        this.put(change.sourceKey, plan.sourceValues);
        return { outcome: 'applied' };
      }),
    );
  }

  reread(changes: RecordChange[]): Promise<(CanonicalRecord | undefined)[]> {
    this.rereads++;
    return Promise.resolve(changes.map((change) => this.record(change.sourceKey)));
  }
}

const rename = (key: string, from: string, to: string): RecordChange => ({
  entity: 'customer',
  sourceKey: key,
  changes: [{ field: 'legalName', expectedOld: from, newValue: to }],
});

describe('writeConditionally', () => {
  let target: VersionedTarget;
  beforeEach(() => {
    target = new VersionedTarget();
    target.put('A', { Name: 'Acme', Email: 'ap@acme.example' });
    target.put('B', { Name: 'Bolt', Email: 'ap@bolt.example' });
  });

  it('a write that is not refused is its outcome, with no re-read', async () => {
    expect(await writeConditionally([rename('A', 'Acme', 'Acme GmbH')], target)).toEqual([{ outcome: 'applied' }]);
    expect(target.rereads).toBe(0);
  });

  it('a record changed in another field since it was read is planned and written again', async () => {
    let raced = false;
    target.meanwhile = (key) => {
      if (raced) return;
      raced = true;
      target.put(key, { Email: 'billing@acme.example' }); // the other fix-up of the record
    };
    expect(await writeConditionally([rename('A', 'Acme', 'Acme GmbH')], target)).toEqual([{ outcome: 'applied' }]);
    expect(target.writes).toBe(2);
    expect(target.records.get('A')!.row).toMatchObject({ Name: 'Acme GmbH', Email: 'billing@acme.example' });
  });

  it('a record whose written field changed since it was read is a conflict, the edit kept', async () => {
    target.meanwhile = (key) => target.put(key, { Name: 'Acme Holding' });
    const [result] = await writeConditionally([rename('A', 'Acme', 'Acme GmbH')], target);
    expect(result).toEqual({ outcome: 'conflict', reason: REFUSED, currentValues: { legalName: 'Acme Holding' } });
    expect(target.writes).toBe(1);
    expect(target.records.get('A')!.row.Name).toBe('Acme Holding');
  });

  it('a record already holding the new values after a refusal is already applied, not written again', async () => {
    target.meanwhile = (key) => target.put(key, { Name: 'Acme GmbH' }); // our lost write, or the same edit
    expect(await writeConditionally([rename('A', 'Acme', 'Acme GmbH')], target)).toEqual([
      { outcome: 'already_applied', reason: 'the target holds the new values' },
    ]);
    expect(target.writes).toBe(1);
  });

  it('a record gone after a refusal is a conflict', async () => {
    target.meanwhile = (key) => target.records.delete(key);
    expect(await writeConditionally([rename('A', 'Acme', 'Acme GmbH')], target)).toEqual([
      { outcome: 'conflict', reason: `${REFUSED}; the record is gone` },
    ]);
  });

  it(`writes again ${PRECONDITION_REWRITES} times at most, then it is a conflict for a person`, async () => {
    let edits = 0;
    target.meanwhile = (key) => target.put(key, { Email: `edit${++edits}@acme.example` });
    const [result] = await writeConditionally([rename('A', 'Acme', 'Acme GmbH')], target);
    expect(result).toEqual({
      outcome: 'conflict',
      reason: `${REFUSED}; refused ${PRECONDITION_REWRITES + 1} times, the record kept changing`,
      currentValues: { legalName: 'Acme' },
    });
    expect(target.writes).toBe(PRECONDITION_REWRITES + 1);
    expect(target.records.get('A')!.row.Name).toBe('Acme');
  });

  it('in a batch only the refused changes are written again, each outcome in its place', async () => {
    target.put('C', { Name: 'Core', Email: 'ap@core.example' });
    const raced = new Set<string>();
    target.meanwhile = (key) => {
      if (raced.has(key)) return;
      raced.add(key);
      if (key === 'A') target.put(key, { Email: 'billing@acme.example' });
      if (key === 'C') target.put(key, { Name: 'Core Holding' });
    };
    const results = await writeConditionally(
      [rename('A', 'Acme', 'Acme GmbH'), rename('B', 'Bolt', 'Bolt AG'), rename('C', 'Core', 'Core SE')],
      target,
    );
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied', 'conflict']);
    expect(target.writes).toBe(4); // A twice, B and C once
    expect(target.rereads).toBe(1);
  });
});

describe('afterPreconditionFailed', () => {
  const refusal = preconditionFailed(REFUSED);
  const current = (row: Record<string, unknown>) => {
    const mapped = mapper.map({ Id: 'A', ...row });
    if (!('record' in mapped)) throw new Error(mapped.reject.reason);
    return mapped.record;
  };

  it('writes again only the fields that still hold what the change expects', () => {
    const change: RecordChange = {
      entity: 'customer',
      sourceKey: 'A',
      changes: [
        { field: 'legalName', expectedOld: 'Acme', newValue: 'Acme GmbH' },
        { field: 'email', expectedOld: 'ap@acme.example', newValue: 'billing@acme.example' },
      ],
    };
    // One field already in (e.g. an earlier round's), the other still as expected: write again.
    expect(
      afterPreconditionFailed(mapper, change, current({ Name: 'Acme GmbH', Email: 'ap@acme.example' }), refusal),
    ).toEqual({ writeAgain: true });
    // One field edited by someone else: a conflict, whatever the other holds.
    expect(
      afterPreconditionFailed(mapper, change, current({ Name: 'Acme GmbH', Email: 'sales@acme.example' }), refusal),
    ).toEqual({
      outcome: 'conflict',
      reason: REFUSED,
      currentValues: { legalName: 'Acme GmbH', email: 'sales@acme.example' },
    });
  });
});
