import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keysetPage } from './keyset-page';
import { Journal, RecordTable } from './record-table';

interface Item {
  id: string;
  name: string;
  amount: number | null;
  tags?: string[];
  nested?: { city: string };
}

const table = (journal?: Journal) => new RecordTable<Item>('items', (r) => r.id, journal);

describe('RecordTable', () => {
  it('gives back every record as written: usual shape, other key sets, undefined, non-ASCII, nesting', () => {
    const t = table();
    const records: Item[] = [
      { id: 'a', name: 'Müller & Söhne GmbH', amount: 12.5 },
      { id: 'b', name: 'Société Générale "SA"\n2nd line', amount: null },
      { id: 'c', amount: 3, name: 'other key order' },
      { id: 'd', name: 'extra', amount: 1, tags: ['x', 'ü'], nested: { city: 'Zürich' } },
      { id: 'e', name: '日本語 \u{1F600} \\ \u0000', amount: -0.25 },
    ];
    for (const r of records) t.load(r, 1000);
    t.load({ id: 'f', name: 'undefined amount', amount: undefined as unknown as null }, 1000);
    for (const r of records) expect(t.get(r.id)!.record).toEqual(r);
    // Key order of a record not in the usual shape is kept.
    expect(Object.keys(t.get('c')!.record)).toEqual(['id', 'amount', 'name']);
    // An undefined value is not stored as null (as a JSON journal would drop it too).
    expect(t.get('f')!.record).toEqual({ id: 'f', name: 'undefined amount' });
    expect('amount' in t.get('f')!.record).toBe(false);
    expect(t.size).toBe(6);
    expect(t.get('zz')).toBeUndefined();
  });

  it('hands out a fresh object per read, so callers cannot change the stored record by accident', () => {
    const t = table();
    t.load({ id: 'a', name: 'one', amount: 1 }, 1);
    const first = t.get('a')!.record;
    first.name = 'changed';
    expect(t.get('a')!.record.name).toBe('one');
  });

  it('bumps versions on writes and replays, moves written rows to the end, and deletes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'record-table-'));
    try {
      const journal = new Journal(join(dir, 'journal.jsonl'));
      const t = table(journal);
      t.load({ id: 'a', name: 'a', amount: 1 }, 10);
      t.load({ id: 'b', name: 'b', amount: 2 }, 20);
      t.load({ id: 'c', name: 'c', amount: 3 }, 30);
      expect(t.get('a')!.version).toBe(1);
      const written = t.put({ id: 'a', name: 'a2', amount: 1 }, 40);
      expect(written.version).toBe(2);
      expect(written.record.name).toBe('a2');
      expect([...t.rowsInOrder()].map((r) => r.record.id)).toEqual(['b', 'c', 'a']);
      expect(t.delete('b')).toBe(true);
      expect(t.delete('b')).toBe(false);
      expect(t.size).toBe(2);
      expect([...t.records()].map((r) => r.id)).toEqual(['c', 'a']);
      const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { op: string; key: string }).op)).toEqual(['put', 'delete']);

      // A restart: the initial copy is loaded again, then the journal replayed: same versions as before.
      const reopened = table();
      reopened.load({ id: 'a', name: 'a', amount: 1 }, 10);
      reopened.load({ id: 'b', name: 'b', amount: 2 }, 20);
      reopened.load({ id: 'c', name: 'c', amount: 3 }, 30);
      reopened.load({ id: 'a', name: 'a2', amount: 1 }, 40);
      reopened.delete('b', false);
      expect([...reopened.rowsInOrder()].map((r) => [r.record.id, r.version, r.modifiedAt])).toEqual([
        ['c', 1, 30],
        ['a', 2, 40],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sorts a load by modification stamp, stable for equal stamps, and scans from a stamp', () => {
    const t = table();
    const stamps = [50, 10, 30, 10, 70, 30, 20];
    stamps.forEach((m, i) => t.load({ id: `r${i}`, name: '', amount: i }, m));
    expect(t.inModificationOrder).toBe(false);
    t.sortByModification();
    expect(t.inModificationOrder).toBe(true);
    expect([...t.rowsInOrder()].map((r) => r.record.id)).toEqual(['r1', 'r3', 'r6', 'r2', 'r5', 'r0', 'r4']);
    expect([...t.rowsInOrder(30)].map((r) => r.record.id)).toEqual(['r2', 'r5', 'r0', 'r4']);
    expect([...t.rowsInOrder(31)].map((r) => r.record.id)).toEqual(['r0', 'r4']);
    expect([...t.rowsInOrder(1000)]).toEqual([]);
    // A write stamped earlier than the last row breaks the order: scans then start at the beginning.
    t.put({ id: 'late', name: '', amount: 0 }, 5);
    expect(t.inModificationOrder).toBe(false);
    expect([...t.rowsInOrder(60)].map((r) => r.record.id)).toEqual(['r1', 'r3', 'r6', 'r2', 'r5', 'r0', 'r4', 'late']);
  });

  it('grows past its first slots and chunks and keeps a record larger than a chunk', () => {
    const t = table();
    for (let i = 0; i < 5000; i++) t.load({ id: `k${i}`, name: `name ${i}`, amount: i }, i);
    const big = 'x'.repeat(12 * 1024 * 1024);
    t.put({ id: 'big', name: big, amount: 0 }, 6000);
    t.put({ id: 'after-big', name: 'small', amount: 1 }, 6001);
    expect(t.get('k4999')!.record.amount).toBe(4999);
    expect(t.get('big')!.record.name.length).toBe(big.length);
    expect(t.get('after-big')!.record.name).toBe('small');
    expect(t.size).toBe(5002);
  });
});

describe('keysetPage', () => {
  it('pages a table in (modifiedAt, key) order exactly like a full sort, ordered or not', () => {
    for (const shuffled of [false, true]) {
      const t = table();
      const n = 500;
      for (let i = 0; i < n; i++)
        t.load({ id: `k${String((i * 7919) % n).padStart(4, '0')}`, name: '', amount: i }, Math.floor(i / 3));
      if (!shuffled) t.sortByModification();
      else for (let i = 0; i < 20; i++) t.put({ id: `k${String(i).padStart(4, '0')}`, name: 'w', amount: -i }, 100 - i);
      const expected = [...t.rowsInOrder()]
        .map((r) => ({ key: r.record.id, modifiedAt: r.modifiedAt }))
        .sort((a, b) => a.modifiedAt - b.modifiedAt || (a.key < b.key ? -1 : 1));
      const seen: { key: string; modifiedAt: number }[] = [];
      let after: { key: string; modifiedAt: number } | null = null;
      for (;;) {
        const page = keysetPage(t, (r) => r.id, { after, limit: 37 });
        seen.push(...page.rows.map((r) => ({ key: r.record.id, modifiedAt: r.modifiedAt })));
        if (!page.hasMore) break;
        after = seen[seen.length - 1];
      }
      expect(seen).toEqual(expected);
      const window = keysetPage(t, (r) => r.id, { after: null, from: 40, until: 60, limit: 1000 });
      expect(window.rows.map((r) => r.record.id)).toEqual(
        expected.filter((e) => e.modifiedAt >= 40 && e.modifiedAt <= 60).map((e) => e.key),
      );
    }
  });
});
