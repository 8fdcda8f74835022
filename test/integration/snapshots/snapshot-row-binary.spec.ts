import { Readable } from 'node:stream';
import { ident, join, sql } from '../../../backend/src/clickhouse/sql';
import { ENTITY_KINDS, type CanonicalRecord, type EntityKind } from '../../../backend/src/connectors/canonical-model';
import { CANONICAL_DEFAULTS } from '../../../backend/src/connectors/mapping/entity-mapping';
import { RowBinaryEncoder } from '../../../backend/src/modules/snapshots/snapshot-row.encoder';
import {
  mapRecord,
  snapshotColumns,
  type SnapshotRow,
} from '../../../backend/src/modules/snapshots/snapshot-row.mapper';
import { SnapshotStoreRepository } from '../../../backend/src/modules/snapshots/snapshot-store.repository';
import { snapshotTestEnv, type SnapshotTestEnv } from './support/snapshot-app';

/** Text that tests the encoding: multi-byte UTF-8, quotes, backslashes, control characters, lengths around 127 bytes. */
const TEXTS = [
  '',
  'Müller & Söhne GmbH',
  'Zürich – 東京 🚚',
  'quote " apostrophe \' backslash \\ tab \t newline \n NUL \u0000',
  'x'.repeat(127),
  'é'.repeat(64),
  'long '.repeat(3000),
];
const MONEY = [0, 15000.5, -0.07, 99_999_999_999.99, 1.1];
const DATES = [
  null,
  new Date('2026-01-01T00:00:00Z'),
  new Date('1970-01-01T00:00:01Z'),
  new Date('2105-12-31T23:59:59Z'),
];

/** Records of an entity whose every field takes each tricky value in turn. */
function records(entity: EntityKind): CanonicalRecord[] {
  const out: CanonicalRecord[] = [];
  for (let i = 0; i < TEXTS.length * 2; i++) {
    const fields = CANONICAL_DEFAULTS[entity]() as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(fields)) {
      if (typeof value === 'string') fields[name] = TEXTS[(i + name.length) % TEXTS.length];
      else if (typeof value === 'number') fields[name] = MONEY[(i + name.length) % MONEY.length];
      else if (typeof value === 'boolean') fields[name] = i % 2 === 0;
      else if (value === null) fields[name] = DATES[(i + name.length) % DATES.length];
      else if (typeof value === 'object') {
        for (const part of Object.keys(value)) {
          (value as Record<string, unknown>)[part] = TEXTS[(i + part.length) % TEXTS.length];
        }
      }
    }
    out.push({
      entity,
      system: 'src',
      sourceKey: `${entity}-${i}-${TEXTS[i % TEXTS.length].slice(0, 20)}`,
      sourceUpdatedAt: DATES[i % DATES.length],
      fields,
      rawExcerpt: JSON.stringify({ i, text: TEXTS[i % TEXTS.length] }),
    } as unknown as CanonicalRecord);
  }
  return out;
}

describe('snapshot rows as RowBinary on the real ClickHouse', () => {
  let env: SnapshotTestEnv;
  let store: SnapshotStoreRepository;

  beforeAll(async () => {
    env = await snapshotTestEnv();
    store = new SnapshotStoreRepository(env.clickhouse);
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it.each(ENTITY_KINDS.map((entity) => [entity]))(
    '%s: stores exactly what a JSONEachRow insert of the same rows stores, hashes included',
    async (entity) => {
      const rows = (system: string): SnapshotRow[] =>
        records(entity).map((record) => {
          const mapped = mapRecord(entity, record, { system, snapshotId: 'run-1', capturedAt: 1_767_225_600 });
          if (!mapped.ok) throw new Error(mapped.reject.reason);
          return mapped.row;
        });
      const encoder = new RowBinaryEncoder(entity, 64);
      const chunks: Buffer[] = [];
      for (const row of rows('binary')) {
        encoder.write(row);
        if (encoder.rows === 3) chunks.push(encoder.take());
      }
      chunks.push(encoder.take());
      await store.insertRows(entity, Readable.from(chunks, { objectMode: false }));
      const table = ident(`snapshot_${entity}`);
      await env.clickhouse.insert(sql`${table} (${join(snapshotColumns(entity).map((c) => ident(c)))})`, rows('json'), {
        tag: 'test.json',
      });
      const compared = join(
        [...snapshotColumns(entity).filter((c) => c !== 'system'), 'key_hash', 'field_hash'].map((c) => ident(c)),
      );
      const read = (system: string) =>
        env.clickhouse.query<Record<string, unknown>>(
          sql`SELECT ${compared} FROM ${table} WHERE system = ${system} ORDER BY entity_key`,
          { tag: 'test.read' },
        );
      const binary = await read('binary');
      expect(binary).toHaveLength(TEXTS.length * 2);
      expect(binary).toEqual(await read('json'));
    },
  );

  it('fails the insert, naming it, when the bytes do not match the columns', async () => {
    await expect(
      store.insertRows('ticket', Readable.from([Buffer.from([3, 0x61, 0x62])], { objectMode: false })),
    ).rejects.toThrow(/snapshots\.insert/);
  });

  it('refuses row objects up front instead of sending them', async () => {
    await expect(store.insertRows('ticket', Readable.from([{ entity_key: 'x' }]))).rejects.toThrow(/RowBinary bytes/);
  });
});
