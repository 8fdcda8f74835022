/**
 * The findings list without a status filter: a rule, severity, domain or system is read from the
 * (filter, status, status_changed_at, id) index (0008, 0016) once per status and the parts merged
 * (migration 0011); no filter, or only others (kind, entity, unassigned), from
 * findings_status_changed_idx. Pages in both directions visit exactly the matching findings, in the
 * order of a plain sort, across statuses, with ties (a run's findings share a time) broken by id. The
 * other sort keys (last seen here) sort every match and page the same way.
 */
import { DataSource } from 'typeorm';
import { FINDING_STATUSES } from '../../../backend/src/modules/findings/finding';
import type { FindingsListQuery } from '../../../backend/src/modules/findings/findings-query';
import { FindingsRepository, type AssigneeFilter } from '../../../backend/src/modules/findings/findings.repository';
import { migratedFindingsStore, type FindingsStore } from './support/findings-store';

const RULES = ['customer.list-a', 'customer.list-b'];
const SEVERITIES = ['high', 'low', 'medium'];
const SYSTEMS = ['crm', 'wms'];

describe('findings list without a status filter (one index range per status, merged)', () => {
  let store: FindingsStore;
  let dataSource: DataSource;
  let findings: FindingsRepository;

  beforeAll(async () => {
    store = await migratedFindingsStore();
    ({ dataSource, findings } = store);
    // 120 findings over every status; the status change takes 7 values and last seen 5 (many ties),
    // some are assigned.
    await dataSource.query(
      `INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system, expected_value,
         actual_system, actual_value, severity, domain, status, occurrences, first_seen_at, last_seen_at, status_changed_at,
         resolved_at, first_run_id, last_run_id, assignee)
       SELECT md5(i::text), ($1::text[])[1 + i % 2], 1, 'customer', 'K' || i, 'legal_name', 'mismatch', 'erp', 'a',
         ($3::text[])[1 + i % 2], 'b', ($2::text[])[1 + i % 3], 'customer', ($4::text[])[1 + (i / 3) % cardinality($4::text[])], 1,
         '2026-01-01T00:00:00Z'::timestamptz, '2026-01-01T00:00:00Z'::timestamptz + (i % 5) * interval '1 hour',
         '2026-01-01T00:00:00Z'::timestamptz + (i % 7) * interval '1 hour',
         CASE WHEN ($4::text[])[1 + (i / 3) % cardinality($4::text[])] = 'resolved' THEN '2026-01-02T00:00:00Z'::timestamptz END,
         '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002',
         CASE WHEN i % 4 = 0 THEN 'ana' END
       FROM generate_series(1, 120) AS i`,
      [RULES, SEVERITIES, SYSTEMS, [...FINDING_STATUSES]],
    );
  });

  afterAll(async () => {
    await store.close();
  });

  /** Every page of `limit` rows, following the last row of each page as the cursor. */
  const allPages = async (
    filters: FindingsListQuery['filters'],
    direction: 'asc' | 'desc',
    assignee?: AssigneeFilter,
    key: 'statusChangedAt' | 'lastSeenAt' = 'statusChangedAt',
  ): Promise<string[]> => {
    const ids: string[] = [];
    let after: FindingsListQuery['after'];
    for (let page = 0; page < 100; page++) {
      const query: FindingsListQuery = { filters, sort: { key, direction }, limit: 7, after };
      const rows = await findings.find(query, 7, assignee);
      ids.push(...rows.map((r) => r.id));
      const last = rows[rows.length - 1];
      if (rows.length < 7 || !last) return ids;
      after = { value: last[key], id: last.id };
    }
    throw new Error('pagination did not end');
  };

  const expected = async (
    where: string,
    params: unknown[],
    direction: 'asc' | 'desc',
    column = 'status_changed_at',
  ): Promise<string[]> => {
    const rows: { id: string }[] = await dataSource.query(
      `SELECT id FROM findings WHERE ${where} ORDER BY ${column} ${direction}, id ${direction}`,
      params,
    );
    return rows.map((r) => r.id);
  };

  it.each(['desc', 'asc'] as const)(
    'pages a rule, a severity and a system the way a plain sort orders them (%s)',
    async (direction) => {
      const byRule = await allPages({ ruleId: RULES[0] }, direction);
      expect(byRule).toHaveLength(60);
      expect(byRule).toEqual(await expected('rule_id = $1', [RULES[0]], direction));
      // Every status is in the answer: the parts were merged, not one status read.
      const statuses: { status: string }[] = await dataSource.query(
        `SELECT DISTINCT status FROM findings WHERE id = ANY($1::text[])`,
        [byRule],
      );
      expect(statuses.map((s) => s.status).sort()).toEqual([...FINDING_STATUSES].sort());

      expect(await allPages({ severity: 'low', actualSystem: 'wms' }, direction)).toEqual(
        await expected('severity = $1 AND actual_system = $2', ['low', 'wms'], direction),
      );
      expect(await allPages({ domain: 'customer', kind: 'mismatch' }, direction, { unassigned: true })).toEqual(
        await expected(`domain = 'customer' AND kind = 'mismatch' AND assignee IS NULL`, [], direction),
      );
    },
  );

  it.each(['desc', 'asc'] as const)(
    'pages no filter, a kind and the unassigned findings the way a plain sort orders them (%s)',
    async (direction) => {
      const everything = await allPages({}, direction);
      expect(everything).toHaveLength(120);
      expect(everything).toEqual(await expected('true', [], direction));
      expect(await allPages({ kind: 'mismatch' }, direction)).toEqual(
        await expected(`kind = 'mismatch'`, [], direction),
      );
      expect(await allPages({}, direction, { unassigned: true })).toEqual(
        await expected('assignee IS NULL', [], direction),
      );
    },
  );

  it('keeps the status-change index without the status that pages with no filter or only a kind need', async () => {
    // Read per status instead (tried as migration 0013, reverted), a kind found in few findings of
    // some status walks that status's whole index range: a page of orphans at 5M findings took 0.56 s,
    // against 0.4 ms through this index.
    const indexes: { indexname: string }[] = await dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'findings' AND indexname = 'findings_status_changed_idx'`,
    );
    expect(indexes).toEqual([{ indexname: 'findings_status_changed_idx' }]);
  });

  it.each(['desc', 'asc'] as const)(
    'pages by last seen (a sort of every match) the same way (%s)',
    async (direction) => {
      expect(await allPages({ ruleId: RULES[0] }, direction, undefined, 'lastSeenAt')).toEqual(
        await expected('rule_id = $1', [RULES[0]], direction, 'last_seen_at'),
      );
      expect(await allPages({}, direction, { unassigned: true }, 'lastSeenAt')).toEqual(
        await expected('assignee IS NULL', [], direction, 'last_seen_at'),
      );
    },
  );

  it.each(['desc', 'asc'] as const)(
    'pages the active findings (new, open, reopened) alone, with or without other filters (%s)',
    async (direction) => {
      const active = `status IN ('new', 'open', 'reopened')`;
      const all = await allPages({ status: 'active' }, direction);
      expect(all.length).toBeGreaterThan(0);
      expect(all).toEqual(await expected(active, [], direction));
      expect(await allPages({ status: 'active', ruleId: RULES[0] }, direction)).toEqual(
        await expected(`${active} AND rule_id = $1`, [RULES[0]], direction),
      );
      expect(await allPages({ status: 'active', kind: 'mismatch' }, direction, { name: 'ana' })).toEqual(
        await expected(`${active} AND kind = 'mismatch' AND assignee = 'ana'`, [], direction),
      );
      expect(await allPages({ status: 'active', severity: 'low' }, direction, undefined, 'lastSeenAt')).toEqual(
        await expected(`${active} AND severity = 'low'`, [], direction, 'last_seen_at'),
      );
    },
  );

  it('keeps serving a status filter, a named assignee and a matchKey with the rule as before', async () => {
    expect(await allPages({ ruleId: RULES[1], status: 'resolved' }, 'desc')).toEqual(
      await expected(`rule_id = $1 AND status = 'resolved'`, [RULES[1]], 'desc'),
    );
    expect(await allPages({ ruleId: RULES[1] }, 'desc', { name: 'ana' })).toEqual(
      await expected(`rule_id = $1 AND assignee = 'ana'`, [RULES[1]], 'desc'),
    );
    expect(await allPages({ ruleId: RULES[0], matchKey: 'K8' }, 'desc')).toEqual(
      await expected(`rule_id = $1 AND match_key = 'K8'`, [RULES[0]], 'desc'),
    );
  });
});
