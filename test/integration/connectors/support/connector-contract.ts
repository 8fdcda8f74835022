import type { CanonicalRecord, EntityKind } from '../../../../backend/src/connectors/canonical-model';
import type { Connector, ExtractBatch } from '../../../../backend/src/connectors/connector';
import { getPath } from '../../../../backend/src/connectors/mapping/entity-mapping';

export type ContractFault = 'throttle' | 'outage' | 'drop';

/** What one connector's test setup provides to the shared contract suite. */
export interface ContractHarness {
  connector: Connector;
  /** The entity the contract exercises (customers everywhere but the support desk). */
  entity: EntityKind;
  /** Records the extract must yield (records + rejects) right after setup. */
  seeded: number;
  pageSize: number;
  /** Changes one record at the source behind the connector's back (another user's edit). */
  touch(sourceKey: string, field: string, value: unknown): Promise<void>;
  /** A canonical field the connector can write, and distinct values for it. */
  writable?: { field: string; value(n: number): unknown };
  /**
   * Writes: another canonical field of the contract entity, which `touch` can change and the writes
   * leave alone: an edit of it while a write is in flight is another fix-up of the same record.
   */
  sibling?: { field: string; value(n: number): unknown };
  /**
   * Writes: a connector like `connector` (same id, so the same idempotency ledger) that runs `edit`
   * once, after reading the record a write is planned from and just before sending that write, so the
   * write's precondition meets the edit.
   */
  racing?(edit: () => Promise<void>): Connector;
  /**
   * Writes whose precondition compares modification times this coarsely (Salesforce's
   * If-Unmodified-Since: whole seconds) cannot see an edit within the unit of the record's last
   * modification: the races start in a later one.
   */
  preconditionGranularityMs?: number;
  /** Puts the record the write tests use into a state the writes can start from (WMS: first milestone). */
  prepareWrite?(sourceKey: string): Promise<void>;
  /** Faults the system can be told to show on its next requests; absent kinds are not tested. */
  faults: Partial<Record<ContractFault, () => Promise<void>>>;
  /** Puts one malformed record into the source; the next full extract must reject it. */
  malform(): Promise<void>;
  /**
   * Sources consumed by reading (a file inbox) are refilled with the same records before each fresh
   * full extract; `connector` may then be a getter for the instance reading the refilled source.
   */
  refill?(): Promise<void>;
  /** Requests the system has answered so far, to prove faults were really hit. */
  faultsHit?(): Promise<number>;
  close(): Promise<void>;
}

export async function collect<E extends EntityKind>(
  iterable: AsyncIterable<ExtractBatch<E>>,
): Promise<{ batches: ExtractBatch<E>[]; records: CanonicalRecord<E>[]; keys: string[]; rejects: number }> {
  const batches: ExtractBatch<E>[] = [];
  for await (const batch of iterable) batches.push(batch);
  const records = batches.flatMap((b) => b.records);
  return {
    batches,
    records,
    keys: records.map((r) => r.sourceKey),
    rejects: batches.reduce((n, b) => n + b.rejects.length, 0),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the clock to enter its next whole `unitMs` (not at all without a unit). */
async function startOfNextUnit(unitMs: number | undefined): Promise<void> {
  if (unitMs) await sleep(unitMs - (Date.now() % unitMs));
}

function writeParts(h: ContractHarness): Required<Pick<ContractHarness, 'writable' | 'sibling' | 'racing'>> {
  const { writable, sibling, racing } = h;
  if (!writable || !sibling || !racing)
    throw new Error('harness declares writes but not its writable field, sibling field and racing connector');
  return { writable, sibling, racing: racing.bind(h) };
}

/**
 * The one contract every connector meets, over real HTTP/SQL/files: full and incremental extract,
 * paging, resume from a cursor, faults, conditional writes with conflicts, idempotent replay (remembered
 * keys: a replay is a no-op however the target changed since), rejects.
 * Tests run in order and share the harness; each leaves the data as the next expects.
 */
export interface ContractTraits {
  /** Fault kinds the system can show (SQL and file drops have no HTTP throttling to test). */
  faults: ContractFault[];
  /** Whether the connector writes the contract entity back. */
  writes: boolean;
  /**
   * Writers whose target has no precondition for the write (the support desk's organization PUT):
   * an edit of the written field landing between their read and their write is not detected.
   */
  unguardedWrites?: boolean;
}

export function describeConnectorContract(
  name: string,
  traits: ContractTraits,
  setup: () => Promise<ContractHarness>,
): void {
  describe(`${name} connector contract`, () => {
    let h: ContractHarness;
    let baseline: Awaited<ReturnType<typeof collect>>;

    // Setup may start a real server first (trytond: package install and database init on first use).
    beforeAll(async () => {
      h = await setup();
    }, 600_000);
    afterAll(async () => {
      await h?.close();
    });

    it('full extract yields every record once, across many pages, with a total when known', async () => {
      await h.refill?.();
      baseline = await collect(h.connector.extract(h.entity, { mode: 'full' }));
      expect(baseline.records.length + baseline.rejects).toBe(h.seeded);
      expect(new Set(baseline.keys).size).toBe(baseline.keys.length);
      expect(baseline.batches.length).toBeGreaterThanOrEqual(Math.floor(h.seeded / h.pageSize));
      expect(baseline.batches.length).toBeGreaterThanOrEqual(3);
      expect(baseline.batches.at(-1)!.cursor).toBeNull();
      for (const batch of baseline.batches.slice(0, -1)) expect(batch.cursor).toEqual(expect.any(String));
      const total = baseline.batches[0].total;
      if (total !== undefined) expect(total).toBe(h.seeded);
      for (const record of baseline.records.slice(0, 5)) {
        expect(record.entity).toBe(h.entity);
        expect(record.system).toBe(h.connector.id);
        expect(record.rawExcerpt.length).toBeGreaterThan(0);
      }
    });

    it('resumes from a cursor: the rest of the extract, nothing skipped, nothing repeated', async () => {
      await h.refill?.();
      const first: ExtractBatch[] = [];
      for await (const batch of h.connector.extract(h.entity, { mode: 'full' })) {
        first.push(batch);
        if (first.length === 2) break; // the consumer stops, as a crashed worker would
      }
      const cursor = first[1].cursor!;
      const rest = await collect(h.connector.extract(h.entity, { mode: 'full', cursor }));
      const keys = [...first.flatMap((b) => b.records.map((r) => r.sourceKey)), ...rest.keys];
      expect(keys.sort()).toEqual([...baseline.keys].sort());
    });

    it('incremental extract returns the records changed since a point in time', async () => {
      if (!h.connector.capabilities.incremental) return;
      const since = new Date(Date.now() - 5);
      await sleep(20);
      const changed = baseline.keys.slice(3, 5);
      const field = h.writable?.field ?? 'legalName';
      for (const [i, key] of changed.entries()) await h.touch(key, field, h.writable?.value(900 + i) ?? `Touched ${i}`);
      const delta = await collect(h.connector.extract(h.entity, { mode: 'incremental', since }));
      expect(delta.keys).toEqual(expect.arrayContaining(changed));
      expect(delta.keys.length).toBeLessThan(baseline.keys.length / 2);
    });

    for (const kind of traits.faults) {
      const label = { throttle: '429 throttling', outage: 'a 5xx outage', drop: 'a connection dropped mid-page' }[kind];
      it(`full extract survives ${label} with every record`, async () => {
        const inject = h.faults[kind];
        if (!inject) throw new Error(`harness declares fault ${kind} but cannot inject it`);
        const hitBefore = (await h.faultsHit?.()) ?? 0;
        await h.refill?.();
        await inject();
        const again = await collect(h.connector.extract(h.entity, { mode: 'full' }));
        expect([...again.keys].sort()).toEqual([...baseline.keys].sort());
        if (h.faultsHit) expect(await h.faultsHit()).toBeGreaterThan(hitBefore);
      });
    }

    (traits.writes ? describe : describe.skip)('conditional writes', () => {
      let key: string;
      let original: unknown;

      beforeAll(async () => {
        key = baseline.keys[10];
        await h.prepareWrite?.(key);
      });

      it('applies a change when the target still has the expected old value', async () => {
        if (!h.writable) throw new Error('harness declares writes but no writable field');
        const [current] = await h.connector.read(h.entity, [key]);
        original = getPath(current.fields, h.writable.field);
        const result = await h.connector.apply(
          {
            entity: h.entity,
            sourceKey: key,
            changes: [{ field: h.writable.field, expectedOld: original, newValue: h.writable.value(1) }],
          },
          `contract-${key}-1`,
        );
        expect(result).toEqual({ outcome: 'applied' });
        const [after] = await h.connector.read(h.entity, [key]);
        expect(getPath(after.fields, h.writable.field)).toEqual(h.writable.value(1));
      });

      it('replaying the same write is a no-op reported as already applied', async () => {
        if (!h.writable) throw new Error('harness declares writes but no writable field');
        const result = await h.connector.apply(
          {
            entity: h.entity,
            sourceKey: key,
            changes: [{ field: h.writable.field, expectedOld: original, newValue: h.writable.value(1) }],
          },
          `contract-${key}-1`,
        );
        expect(result.outcome).toBe('already_applied');
      });

      it('refuses to clobber a value someone edited since the finding', async () => {
        if (!h.writable) throw new Error('harness declares writes but no writable field');
        await h.touch(key, h.writable.field, h.writable.value(2));
        const result = await h.connector.apply(
          {
            entity: h.entity,
            sourceKey: key,
            changes: [{ field: h.writable.field, expectedOld: h.writable.value(1), newValue: h.writable.value(3) }],
          },
          `contract-${key}-2`,
        );
        expect(result.outcome).toBe('conflict');
        const [after] = await h.connector.read(h.entity, [key]);
        expect(getPath(after.fields, h.writable.field)).toEqual(h.writable.value(2));
      });

      it('a replay stays a no-op after the target was edited again, even back to the old value', async () => {
        if (!h.writable) throw new Error('harness declares writes but no writable field');
        const writable = h.writable;
        const replay = () =>
          h.connector.apply(
            {
              entity: h.entity,
              sourceKey: key,
              changes: [{ field: writable.field, expectedOld: original, newValue: writable.value(1) }],
            },
            `contract-${key}-1`,
          );
        // The target holds value 2 (someone else's edit): the replay neither writes nor conflicts.
        expect((await replay()).outcome).toBe('already_applied');
        let [after] = await h.connector.read(h.entity, [key]);
        expect(getPath(after.fields, writable.field)).toEqual(writable.value(2));
        // Set back to the old value: comparing values alone would write again; the key says it is done.
        await h.touch(key, writable.field, original);
        expect((await replay()).outcome).toBe('already_applied');
        [after] = await h.connector.read(h.entity, [key]);
        expect(getPath(after.fields, writable.field)).toEqual(original);
      });

      it('refuses an idempotency key reused for a different change, writing nothing', async () => {
        if (!h.writable) throw new Error('harness declares writes but no writable field');
        const result = await h.connector.apply(
          {
            entity: h.entity,
            sourceKey: key,
            changes: [{ field: h.writable.field, expectedOld: original, newValue: h.writable.value(3) }],
          },
          `contract-${key}-1`,
        );
        expect(result.outcome).toBe('rejected');
        expect(result.reason).toContain('different change');
        const [after] = await h.connector.read(h.entity, [key]);
        expect(getPath(after.fields, h.writable.field)).toEqual(original);
      });

      // Two fix-ups of one record in flight side by side: the first write moves the record's stamp
      // (ETag, write date, version), so the second's precondition fails though none of its fields changed.
      it('a write whose record changed in another field since it was read still lands (re-planned)', async () => {
        const { writable, sibling, racing } = writeParts(h);
        await startOfNextUnit(h.preconditionGranularityMs);
        const result = await racing(() => h.touch(key, sibling.field, sibling.value(1))).apply(
          {
            entity: h.entity,
            sourceKey: key,
            changes: [{ field: writable.field, expectedOld: original, newValue: writable.value(1) }],
          },
          `contract-${key}-race-1`,
        );
        expect(result).toEqual({ outcome: 'applied' });
        const [after] = await h.connector.read(h.entity, [key]);
        expect(getPath(after.fields, writable.field)).toEqual(writable.value(1));
        expect(getPath(after.fields, sibling.field)).toEqual(sibling.value(1));
      });

      (traits.unguardedWrites ? it.skip : it)(
        'a write whose own field changed since it was read is a conflict, the edit kept',
        async () => {
          const { writable, racing } = writeParts(h);
          // Value 1 after the case above; read, so that this case stands on its own.
          const [before] = await h.connector.read(h.entity, [key]);
          await startOfNextUnit(h.preconditionGranularityMs);
          const result = await racing(() => h.touch(key, writable.field, writable.value(3))).apply(
            {
              entity: h.entity,
              sourceKey: key,
              changes: [
                {
                  field: writable.field,
                  expectedOld: getPath(before.fields, writable.field),
                  newValue: writable.value(2),
                },
              ],
            },
            `contract-${key}-race-2`,
          );
          expect(result.outcome).toBe('conflict');
          const [after] = await h.connector.read(h.entity, [key]);
          expect(getPath(after.fields, writable.field)).toEqual(writable.value(3));
        },
      );

      it('rejects a change to a record that does not exist, with a reason', async () => {
        if (!h.writable) throw new Error('harness declares writes but no writable field');
        const result = await h.connector.apply(
          {
            entity: h.entity,
            sourceKey: 'no-such-record-999999',
            changes: [{ field: h.writable.field, expectedOld: 'a', newValue: 'b' }],
          },
          'contract-missing',
        );
        expect(result.outcome).toBe('rejected');
        expect(result.reason).toEqual(expect.any(String));
      });
    });

    it('turns malformed source records into rejects with a reason, never a crash', async () => {
      await h.malform();
      const after = await collect(h.connector.extract(h.entity, { mode: 'full' }));
      expect(after.rejects).toBeGreaterThanOrEqual(baseline.rejects + 1);
      const reject = after.batches.flatMap((b) => b.rejects)[0];
      expect(reject.reason.length).toBeGreaterThan(3);
      expect(reject.system).toBe(h.connector.id);
      expect(after.records.length).toBeGreaterThan(0);
    });

    it('reports health', async () => {
      const health = await h.connector.health();
      expect(health.up).toBe(true);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    });
  });
}
