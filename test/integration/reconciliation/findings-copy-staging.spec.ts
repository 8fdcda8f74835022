/**
 * A run's observations reach Postgres through COPY (FindingsMergeRepository.mergeRun stages them with
 * copyRows, text format): values with tabs, newlines, carriage returns, backslashes, quotes, COPY's own
 * markers (\N, \.) and unicode, and JSON details, come back exactly; a stream of many chunks keeps its
 * last observation of a finding; a source that fails mid-stream aborts the merge and leaves the
 * connection usable.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type CopyValue, copyRows } from '../../../backend/src/database/copy-from';
import type { FindingObservation } from '../../../backend/src/modules/findings/finding';
import { findingId } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { migratedFindingsStore, type FindingsStore } from './support/findings-store';

const HOSTILE = [
  'tab\there\tand\tthere',
  'line one\nline two\n',
  'crlf\r\nand a bare cr\r.',
  'back\\slash \\t is not a tab, \\n is not a newline, C:\\path\\',
  '\\N',
  '\\.',
  '\\',
  `single ' and double " quotes, "quoted, with comma", ''`,
  '',
  '  leading and trailing spaces  ',
  'unicode: Müller Straße, 東京都, Ελλάδα, مرحبا, 😀👩‍👩‍👧, e\u0301, \u2028\u2029, \u00a0nbsp',
  'control \u0001\u001f\u007f characters',
];

const observation = (i: number, over: Partial<FindingObservation> = {}): FindingObservation => ({
  ruleId: 'customer.copy-staging',
  ruleVersion: 3,
  entity: 'customer',
  matchKey: `K${i}`,
  field: 'legal_name',
  kind: 'mismatch',
  ownerSystem: 'erp',
  expectedValue: `expected ${i}`,
  actualSystem: 'crm',
  actualValue: `actual ${i}`,
  details: JSON.stringify({ owner_key: `erp-${i}` }),
  score: 1,
  severity: 'high',
  domain: 'customer',
  ...over,
});

async function* streamed<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

describe('findings staged through COPY', () => {
  let store: FindingsStore;
  let dataSource: DataSource;
  let findings: FindingsRepository;
  let merge: FindingsMergeRepository;

  beforeAll(async () => {
    store = await migratedFindingsStore();
    ({ dataSource, findings, merge } = store);
  });

  afterAll(async () => {
    await store.close();
  });

  it('reads every text column and JSON details back exactly', async () => {
    const hostileDetails = {
      note: 'tab\there, newline\nthere, cr\r, backslash \\ and \\n, "quoted", \'single\'',
      nested: { list: ['\t', '\n', '\\', '"', '😀', '\u2028', ''], n: 1.5, t: true, none: null },
      'key with\ttab and "quote"': 'value',
      unicode: 'Ελλάδα 東京 مرحبا e\u0301',
    };
    const observations = HOSTILE.map((text, i) =>
      observation(i, {
        ruleId: `customer.copy-staging ${text}`,
        entity: `customer${text}`,
        matchKey: `K${i}${text}`,
        field: `field ${text}`,
        ownerSystem: `erp${text}`,
        expectedValue: text,
        actualSystem: `crm\t${text}`,
        actualValue: `${text}${text}`,
        kind: `mismatch ${text}`,
        severity: `high ${text}`,
        domain: `customer ${text}`,
        details: JSON.stringify({ ...hostileDetails, text }),
        score: [0.1 + 0.2, 1e-300, 2.5e-8, 123456789.12345679][i % 4],
      }),
    );
    // Details that are not JSON, or a JSON scalar, are kept wrapped; a JSON array as it is.
    observations.push(observation(100, { details: 'not json\t\\ "at all"\n' }));
    observations.push(observation(101, { details: '42' }));
    observations.push(observation(102, { details: '["an", "array\\t"]' }));

    const runId = randomUUID();
    expect(await merge.mergeRun(runId, new Date('2026-03-01T10:00:00Z'), streamed(observations))).toEqual({
      inserted: observations.length,
      reopened: 0,
      seen: observations.length,
      unsettled: 0,
    });

    for (const o of observations) {
      const view = await findings.findById(findingId(o));
      expect(view).toMatchObject({
        ruleId: o.ruleId,
        ruleVersion: o.ruleVersion,
        entity: o.entity,
        matchKey: o.matchKey,
        field: o.field,
        kind: o.kind,
        ownerSystem: o.ownerSystem,
        expectedValue: o.expectedValue,
        actualSystem: o.actualSystem,
        actualValue: o.actualValue,
        score: o.score,
        severity: o.severity,
        domain: o.domain,
        status: 'new',
        lastRunId: runId,
      });
    }
    const details = async (o: FindingObservation): Promise<unknown> => (await findings.findById(findingId(o)))?.details;
    for (const o of observations.slice(0, HOSTILE.length)) expect(await details(o)).toEqual(JSON.parse(o.details));
    expect(await details(observations[HOSTILE.length])).toEqual({ raw: 'not json\t\\ "at all"\n' });
    expect(await details(observations[HOSTILE.length + 1])).toEqual({ raw: '42' });
    expect(await details(observations[HOSTILE.length + 2])).toEqual(['an', 'array\t']);
  });

  it('streams many chunks and keeps the last observation of a finding seen twice', async () => {
    const rule = 'customer.copy-chunks';
    const many = Array.from({ length: 5000 }, (_, i) =>
      observation(i, { ruleId: rule, actualValue: `value ${i}\t${'x'.repeat(100)}` }),
    );
    const last = observation(7, { ruleId: rule, actualValue: 'the last one\nwins' });
    const runId = randomUUID();
    expect(await merge.mergeRun(runId, new Date('2026-03-02T10:00:00Z'), streamed([...many, last]))).toEqual({
      inserted: 5000,
      reopened: 0,
      seen: 5000,
      unsettled: 0,
    });
    expect((await findings.findById(findingId(last)))?.actualValue).toBe('the last one\nwins');
    expect((await findings.findById(findingId(many[4999])))?.actualValue).toBe(many[4999].actualValue);
    expect(await findings.countByStatus([rule])).toEqual({ new: 5000 });
  });

  it('a source failing mid-stream aborts the merge, merges nothing and leaves the connection usable', async () => {
    const rule = 'customer.copy-failing';
    async function* failing(): AsyncGenerator<FindingObservation> {
      for (let i = 0; i < 3000; i++) yield await Promise.resolve(observation(i, { ruleId: rule }));
      throw new Error('the ClickHouse stream broke');
    }
    await expect(merge.mergeRun(randomUUID(), new Date(), failing())).rejects.toThrow('the ClickHouse stream broke');
    expect(await findings.countByStatus([rule])).toEqual({});
    // Every pooled connection still works (none was left inside the aborted COPY).
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        dataSource.query(`SELECT count(*)::integer AS n FROM findings WHERE rule_id = $1`, [rule]),
      ),
    );
    expect(answers.map((rows: { n: number }[]) => rows[0].n)).toEqual(Array(10).fill(0));
    expect(await merge.mergeRun(randomUUID(), new Date(), [observation(1, { ruleId: rule })])).toEqual({
      inserted: 1,
      reopened: 0,
      seen: 1,
      unsettled: 0,
    });
  });

  it('a row the server rejects fails the merge with its error', async () => {
    const rule = 'customer.copy-rejected';
    const bad = observation(1, { ruleId: rule, expectedValue: 'a NUL \u0000 byte' });
    await expect(merge.mergeRun(randomUUID(), new Date(), [observation(0, { ruleId: rule }), bad])).rejects.toThrow(
      /0x00/,
    );
    expect(await findings.countByStatus([rule])).toEqual({});
  });

  it('copyRows copies NULLs, numbers and text exactly and reports the row count', async () => {
    const runner = dataSource.createQueryRunner();
    const client = (await runner.connect()) as Parameters<typeof copyRows>[0];
    try {
      await runner.query(`CREATE TEMP TABLE copy_probe (i integer, n integer, x double precision, t text, j jsonb)`);
      const rows: CopyValue[][] = HOSTILE.map((text, i) => [i, i, i / 7, text, JSON.stringify({ text })]);
      rows.push([rows.length, null, null, null, null], [rows.length + 1, -1, -Infinity, 'null', 'null']);
      const copied = await copyRows(client, 'COPY copy_probe (i, n, x, t, j) FROM STDIN', streamed(rows));
      expect(copied).toBe(rows.length);
      const back: { n: number | null; x: number | null; t: string | null; j: unknown }[] = await runner.query(
        `SELECT n, x, t, j FROM copy_probe ORDER BY i`,
      );
      expect(back).toEqual(
        rows.map(([, n, x, t, j]) => ({ n, x, t, j: j === null ? null : (JSON.parse(j as string) as unknown) })),
      );
    } finally {
      await runner.query(`DROP TABLE IF EXISTS copy_probe`);
      await runner.release();
    }
  });
});
