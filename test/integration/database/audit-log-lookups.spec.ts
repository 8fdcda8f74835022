/**
 * The audit log page filtered by action or by request id, against a real Postgres: the entries in the
 * page's order, and each read a range of its index (migration 0025) rather than a walk of the whole log,
 * which change events fill with hundreds of entries a minute.
 */
import type { DataSource } from 'typeorm';
import { AUDIT_LIST_QUERY } from '../../../backend/src/modules/audit/audit-query';
import { AuditRepository } from '../../../backend/src/modules/audit/audit.repository';
import { probesIndex } from '../support/query-plans';
import { migratedPostgres } from '../support/test-services';

describe('audit log lookups by action and request id', () => {
  let db: Awaited<ReturnType<typeof migratedPostgres>>;
  let dataSource: DataSource;
  let audit: AuditRepository;

  const entry = (action: string, at: string, requestId: string | null = null) =>
    dataSource.query<unknown>(
      `INSERT INTO audit_log (at, actor, action, subject_type, subject_id, request_id)
       VALUES ($1, 'webhook:wms', $2, 'finding', 'f1', $3)`,
      [at, action, requestId],
    );
  const page = (query: Record<string, string>) => audit.find(AUDIT_LIST_QUERY.parse(query), 50);

  beforeAll(async () => {
    db = await migratedPostgres();
    ({ dataSource } = db);
    audit = new AuditRepository(dataSource);
    for (let i = 0; i < 30; i++)
      await entry('connector.event', `2026-11-30T10:${String(i).padStart(2, '0')}:00Z`, `r${i % 3}`);
    await entry('finding.suppress', '2026-11-30T10:05:30Z', 'r1');
    await entry('finding.suppress', '2026-11-30T10:20:30Z');
    await entry('finding.suppress', '2026-11-30T10:20:30Z');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('pages one action, newest first (ties by id), from its index', async () => {
    const rows = await page({ action: 'finding.suppress' });
    expect(rows.map((r) => r.at)).toEqual([
      '2026-11-30T10:20:30.000000Z',
      '2026-11-30T10:20:30.000000Z',
      '2026-11-30T10:05:30.000000Z',
    ]);
    expect(Number(rows[0].id)).toBeGreaterThan(Number(rows[1].id));
    expect(
      await probesIndex(dataSource, 'audit_log', 'audit_log_action_idx', () => page({ action: 'finding.suppress' })),
    ).toBe(true);
  });

  it('pages one request id from its index', async () => {
    const rows = await page({ requestId: 'r1' });
    expect(rows).toHaveLength(11);
    expect(rows.every((r) => r.requestId === 'r1')).toBe(true);
    expect(rows[0].at).toBe('2026-11-30T10:28:00.000000Z');
    expect(await probesIndex(dataSource, 'audit_log', 'audit_log_request_idx', () => page({ requestId: 'r1' }))).toBe(
      true,
    );
  });
});
