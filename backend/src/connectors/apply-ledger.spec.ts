import { changeFingerprint, IdempotentApplier, InMemoryApplyLedger } from './apply-ledger';
import type { ApplyResult, RecordChange } from './connector';

const change = (newValue: string): RecordChange => ({
  entity: 'customer',
  sourceKey: 'C1',
  changes: [{ field: 'legalName', expectedOld: 'Old', newValue }],
});

describe('IdempotentApplier', () => {
  it('runs a key once, answers replays from the ledger and refuses a key reused for another change', async () => {
    const applier = new IdempotentApplier('erp', new InMemoryApplyLedger());
    const write = jest.fn(async (): Promise<ApplyResult> => ({ outcome: 'applied' }));
    expect(await applier.apply(change('New'), 'k', write)).toEqual({ outcome: 'applied' });
    expect((await applier.apply(change('New'), 'k', write)).outcome).toBe('already_applied');
    expect(await applier.apply(change('Other'), 'k', write)).toMatchObject({ outcome: 'rejected' });
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('does not remember conflicts, rejections or errors: a retry is evaluated again', async () => {
    const applier = new IdempotentApplier('erp', new InMemoryApplyLedger());
    const outcomes: (ApplyResult | Error)[] = [{ outcome: 'conflict' }, new Error('timeout'), { outcome: 'applied' }];
    const write = jest.fn(async () => {
      const next = outcomes.shift()!;
      if (next instanceof Error) throw next;
      return next;
    });
    expect((await applier.apply(change('New'), 'k', write)).outcome).toBe('conflict');
    await expect(applier.apply(change('New'), 'k', write)).rejects.toThrow('timeout');
    expect((await applier.apply(change('New'), 'k', write)).outcome).toBe('applied');
    expect(write).toHaveBeenCalledTimes(3);
  });

  it('serializes calls with one key and keys ledgers by connector', async () => {
    const ledger = new InMemoryApplyLedger();
    const applier = new IdempotentApplier('erp', ledger);
    let running = 0;
    let most = 0;
    const write = async (): Promise<ApplyResult> => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { outcome: 'applied' };
    };
    const results = await Promise.all([1, 2, 3].map(() => applier.apply(change('New'), 'k', write)));
    expect(most).toBe(1);
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'already_applied', 'already_applied']);
    const other = new IdempotentApplier('crm', ledger);
    expect((await other.apply(change('New'), 'k', write)).outcome).toBe('applied');
  });

  it('forgets the oldest keys beyond its capacity; fingerprints ignore field order', async () => {
    const ledger = new InMemoryApplyLedger(2);
    for (const k of ['a', 'b', 'c']) await ledger.record('erp', k, { fingerprint: 'f', appliedAt: 'now' });
    expect(ledger.size).toBe(2);
    expect(await ledger.get('erp', 'a')).toBeUndefined();
    const two = (order: number[]): RecordChange => ({
      entity: 'customer',
      sourceKey: 'C1',
      changes: order.map((i) => ({ field: `f${i}`, expectedOld: i, newValue: i + 1 })),
    });
    expect(changeFingerprint(two([1, 2]))).toBe(changeFingerprint(two([2, 1])));
    expect(changeFingerprint(change('A'))).not.toBe(changeFingerprint(change('B')));
  });
});
