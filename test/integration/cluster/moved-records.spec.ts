import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CANONICAL_COLUMNS } from '@driftwatch/reconciliation-rules';
import { sql } from '../../../backend/src/clickhouse/sql';
import { RowBinaryEncoder } from '../../../backend/src/modules/snapshots/snapshot-row.encoder';
import { SnapshotStoreRepository } from '../../../backend/src/modules/snapshots/snapshot-store.repository';
import { migratedStores, startLocalCluster, type LocalCluster, type StoreEnv } from './support/local-cluster';

const NOW = Math.floor(Date.now() / 1000);
const SYSTEM = 'crm';

/** Customer number of each CRM record (entity key `crm-<i>`). */
type Numbers = Map<number, string>;

async function loadSnapshot(
  store: SnapshotStoreRepository,
  numbers: Numbers,
  mode: 'full' | 'incremental',
  version: number,
): Promise<void> {
  const snapshotId = randomUUID();
  const encoder = new RowBinaryEncoder('customer');
  for (const [i, customerNumber] of numbers) {
    encoder.write({
      ...Object.fromEntries(CANONICAL_COLUMNS.customer.map((c) => [c.name, c.type === 'string' ? '' : 0])),
      customer_number: customerNumber,
      legal_name: `Customer ${i}`,
      entity_key: `crm-${i}`,
      system: SYSTEM,
      snapshot_id: snapshotId,
      captured_at: NOW,
      source_updated_at: NOW,
      raw_excerpt: '',
    });
  }
  await store.insertRows('customer', Readable.from([encoder.take()], { objectMode: false }));
  await store.updateCurrent('customer', SYSTEM, snapshotId, version);
  if (mode === 'full') await store.markDeletions('customer', SYSTEM, snapshotId, new Date(NOW * 1000), version);
}

/** The live records as the reconciliation reads them: `current_customer` FINAL, `entity_key=number`. */
async function live(stores: StoreEnv): Promise<string[]> {
  const rows = await stores.clickhouse.query<{ entity_key: string; customer_number: string }>(
    sql`SELECT entity_key, customer_number FROM (
        SELECT entity_key, customer_number, deleted FROM current_customer FINAL WHERE system = ${SYSTEM}
      ) WHERE deleted = 0`,
    { tag: 'test.live' },
  );
  return rows.map((r) => `${r.entity_key}=${r.customer_number}`).sort();
}

describe('a record whose match key changes (cluster mode shards current_<entity> by it)', () => {
  let cluster: LocalCluster;
  let single: StoreEnv;
  let sharded: StoreEnv;

  beforeAll(async () => {
    cluster = startLocalCluster();
    [single, sharded] = await Promise.all([migratedStores(), migratedStores(cluster)]);
  }, 120_000);

  afterAll(async () => {
    await single?.cleanup();
    await sharded?.cleanup();
    cluster?.stop();
  });

  /** Which shard holds a customer number's current rows (0 or 1), as placed by the Distributed table. */
  async function shardOf(customerNumber: string): Promise<number> {
    const counts = await Promise.all(
      sharded.clickhouse
        .shards()
        .map((shard) =>
          shard.query<{ n: string }>(
            sql`SELECT count() AS n FROM current_customer WHERE customer_number = ${customerNumber}`,
            { tag: 'test.shard' },
          ),
        ),
    );
    const holding = counts.flatMap(([r], index) => (Number(r.n) > 0 ? [index] : []));
    expect([customerNumber, holding.length]).toEqual([customerNumber, 1]);
    return holding[0];
  }

  /** A new number for `customerNumber` whose rows land on the same shard, or on the other one. */
  async function renumbered(customerNumber: string, sameShard: boolean): Promise<string> {
    const candidates = Array.from({ length: 40 }, (_, k) => `${customerNumber}-R${k}`);
    const [own, ...others] = await Promise.all(
      [customerNumber, ...candidates].map(async (c) => {
        const [r] = await single.clickhouse.query<{ s: string }>(sql`SELECT cityHash64(${c}) % 2 AS s`, {
          tag: 'test.hash',
        });
        return Number(r.s);
      }),
    );
    const found = candidates.find((_, k) => (others[k] === own) === sameShard);
    if (!found) throw new Error(`no candidate for ${customerNumber}`);
    return found;
  }

  it('is live once, under its new number, after a full and after an incremental snapshot', async () => {
    const numbers: Numbers = new Map(Array.from({ length: 20 }, (_, k) => [k + 1, `C${1000 + k + 1}`]));
    for (const stores of [single, sharded]) {
      await loadSnapshot(new SnapshotStoreRepository(stores.clickhouse), numbers, 'full', 1_000_000);
    }
    // Records 3 and 4 renumbered in a full snapshot (3 onto the other shard, 4 onto its own), record 5
    // later in an incremental of it alone (onto the other shard).
    const moves: [number, boolean][] = [
      [3, false],
      [4, true],
    ];
    const full = new Map(numbers);
    for (const [i, sameShard] of moves) full.set(i, await renumbered(numbers.get(i)!, sameShard));
    for (const stores of [single, sharded]) {
      await loadSnapshot(new SnapshotStoreRepository(stores.clickhouse), full, 'full', 2_000_000);
    }
    const five = await renumbered(numbers.get(5)!, false);
    for (const stores of [single, sharded]) {
      await loadSnapshot(
        new SnapshotStoreRepository(stores.clickhouse),
        new Map([[5, five]]),
        'incremental',
        3_000_000,
      );
    }
    const expected = [...new Map([...full, [5, five]])].map(([i, n]) => `crm-${i}=${n}`).sort();

    // The premise: the moves really crossed shards where meant to (or stayed where meant to).
    expect(await shardOf(full.get(3)!)).not.toBe(await shardOf(numbers.get(3)!));
    expect(await shardOf(full.get(4)!)).toBe(await shardOf(numbers.get(4)!));
    expect(await shardOf(five)).not.toBe(await shardOf(numbers.get(5)!));

    expect(await live(single)).toEqual(expected);
    expect(await live(sharded)).toEqual(expected);
    // One server deduplicates by record, so it needs no superseding rows: none were written there.
    const [written] = await single.clickhouse.query<{ n: string }>(
      sql`SELECT count() AS n FROM current_customer WHERE deleted = 1`,
      { tag: 'test.deleted' },
    );
    expect(Number(written.n)).toBe(0);
  }, 120_000);
});
