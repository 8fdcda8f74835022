import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtractBatch } from '../../../backend/src/connectors/connector';
import { FileDropConnector } from '../../../backend/src/connectors/file-drop/file-drop.connector';
import { collect, describeConnectorContract } from './support/connector-contract';

/**
 * The shared contract, for a source consumed by reading: each fresh full extract reads a newly filled
 * inbox (same rows, a new folder and connector instance, as a fresh installation would); incremental
 * means "files dropped since the last extract". Cases that do not apply, and why:
 * - 429 / 5xx / dropped connection: there is no server or connection, only a local folder (an
 *   unreadable file or folder is a thrown error, as any I/O failure);
 * - conditional writes, conflicts and idempotent replays: the source is read-only (`apply` rejects).
 */
let dropCount = 0;
const contractCsv = (from: number, count: number, rename = new Map<number, string>()) =>
  `customer_no,name,country,phone\n${Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return `C${n},"${rename.get(n) ?? `Partner ${n} Ltd`}",Germany,030 555${String(n).padStart(4, '0')}`;
  }).join('\n')}\n`;

describeConnectorContract('file drop (real files)', { faults: [], writes: false }, async () => {
  const folders: string[] = [];
  let current: FileDropConnector;
  const SEEDED = 230;
  const fresh = async () => {
    const folder = await mkdtemp(join(tmpdir(), 'dw-drop-contract-'));
    folders.push(folder);
    current = new FileDropConnector({
      id: 'partner-drop',
      kind: 'file-drop',
      auth: { type: 'none' },
      pageSize: 40,
      timeoutMs: 10_000,
      settings: {
        folder,
        entity: 'customer',
        columns: ['customer_no', 'name', 'country'],
        key: 'customer_no',
        fields: {
          customerNumber: { from: 'customer_no' },
          legalName: { from: 'name', required: true },
          country: { from: 'country', normalize: 'country' },
          phone: { from: 'phone', normalize: 'phone' },
        },
      },
    });
    await writeFile(join(folder, '2024-01-01-a.csv'), contractCsv(1, 100));
    await writeFile(join(folder, '2024-01-02-b.csv'), contractCsv(101, SEEDED - 100));
    return folder;
  };
  let folder = await fresh();
  return {
    get connector() {
      return current;
    },
    entity: 'customer',
    seeded: SEEDED,
    pageSize: 40,
    async refill() {
      folder = await fresh();
    },
    // Another system's edit arrives as a new file carrying the changed rows.
    async touch(key, field, value) {
      if (field !== 'legalName') throw new Error(`touch ${field}`);
      const n = Number(key.slice(1));
      await writeFile(
        join(folder, `2024-02-${String(++dropCount).padStart(2, '0')}-edit.csv`),
        contractCsv(n, 1, new Map([[n, String(value)]])),
      );
    },
    faults: {},
    async malform() {
      folder = await fresh();
      await writeFile(join(folder, '2024-01-03-bad.csv'), 'customer_no,name,country,phone\nC900,,Germany,\n');
    },
    async close() {
      await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
    },
  };
});

/** File-specific scenarios beyond the contract: paging across files, header schema, never twice. */
describe('file drop connector (real files)', () => {
  let folder: string;
  const connector = () =>
    new FileDropConnector({
      id: 'partner-drop',
      kind: 'file-drop',
      auth: { type: 'none' },
      pageSize: 40,
      timeoutMs: 10_000,
      settings: {
        folder,
        entity: 'customer',
        columns: ['customer_no', 'name', 'country'],
        key: 'customer_no',
        fields: {
          customerNumber: { from: 'customer_no' },
          legalName: { from: 'name', required: true },
          country: { from: 'country', normalize: 'country' },
          phone: { from: 'phone', normalize: 'phone' },
        },
      },
    });
  const csv = (from: number, count: number, extra = '') =>
    `customer_no,name,country,phone\n${Array.from({ length: count }, (_, i) => `C${from + i},"Partner ${from + i}, Ltd",Germany,030 555${String(from + i).padStart(4, '0')}`).join('\n')}\n${extra}`;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'dw-drop-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads every file in pages, rejects bad rows with reasons, and moves processed files', async () => {
    await writeFile(join(folder, '2024-01-01-a.csv'), csv(1, 100));
    await writeFile(
      join(folder, '2024-01-02-b.csv'),
      csv(101, 50, 'C999,,Germany,\nC998,Short\nC997,Atlantis Ltd,Atlantis,\n'),
    );
    const result = await collect(connector().extract('customer', { mode: 'full' }));
    expect(result.records).toHaveLength(150);
    expect(new Set(result.keys).size).toBe(150);
    expect(result.batches.length).toBeGreaterThanOrEqual(4);
    const reasons = result.batches.flatMap((b) => b.rejects.map((r) => r.reason));
    expect(reasons).toHaveLength(3);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining('legalName: missing name'),
        expect.stringContaining('expected 4 columns, found 2'),
        expect.stringContaining('unknown country'),
      ]),
    );
    expect(result.records[0].fields).toMatchObject({
      legalName: 'Partner 1, Ltd',
      country: 'DE',
      phone: '+49305550001',
    });
    expect(await connector().pendingFiles()).toEqual([]);
    expect((await readdir(join(folder, 'processed'))).filter((f) => f.endsWith('.csv'))).toHaveLength(2);
  });

  it('never reads a file twice: a second extract is empty, a re-dropped copy is skipped', async () => {
    await writeFile(join(folder, 'a.csv'), csv(1, 10));
    expect((await collect(connector().extract('customer', { mode: 'full' }))).records).toHaveLength(10);
    expect((await collect(connector().extract('customer', { mode: 'full' }))).records).toHaveLength(0);
    await writeFile(join(folder, 'a-again.csv'), csv(1, 10));
    expect((await collect(connector().extract('customer', { mode: 'full' }))).records).toHaveLength(0);
    expect(await connector().pendingFiles()).toEqual([]);
  });

  it('resumes mid-file from a cursor after the consumer stopped, without repeating rows', async () => {
    await writeFile(join(folder, 'a.csv'), csv(1, 100));
    const first: ExtractBatch[] = [];
    for await (const batch of connector().extract('customer', { mode: 'full' })) {
      first.push(batch);
      if (first.length === 1) break;
    }
    expect(await connector().pendingFiles()).toEqual(['a.csv']);
    const rest = await collect(connector().extract('customer', { mode: 'full', cursor: first[0].cursor! }));
    const keys = [...first[0].records.map((r) => r.sourceKey), ...rest.keys];
    expect(keys).toHaveLength(100);
    expect(new Set(keys).size).toBe(100);
    expect(await connector().pendingFiles()).toEqual([]);
  });

  it('moves a file whose header breaks the schema to failed/ with the reason, whole', async () => {
    await writeFile(join(folder, 'bad.csv'), 'id,title\n1,x\n');
    const result = await collect(connector().extract('customer', { mode: 'full' }));
    expect(result.records).toHaveLength(0);
    expect(result.batches.flatMap((b) => b.rejects)[0].reason).toMatch(
      /missing column\(s\) customer_no, name, country/,
    );
    const failed = await readdir(join(folder, 'failed'));
    expect(failed.some((f) => f.endsWith('bad.csv'))).toBe(true);
    expect(failed.some((f) => f.endsWith('.reason.txt'))).toBe(true);
  });

  it('refuses writes: a file drop is read-only', async () => {
    const result = await connector().apply(
      { entity: 'customer', sourceKey: 'C1', changes: [{ field: 'legalName', expectedOld: 'a', newValue: 'b' }] },
      'k',
    );
    expect(result.outcome).toBe('rejected');
  });
});
