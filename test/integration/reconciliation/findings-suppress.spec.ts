/**
 * Suppressing findings (an accepted exception) and lifting the suppression, over HTTP against the real
 * app: all or nothing, audited, kept by later runs, lifted by the first run after its end, out of the
 * dashboard rollups while it lasts, and the finding's idle fix-up tasks dismissed.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { findingId } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { ownRedisUrl } from '../support/test-services';
import { customers, ReconciliationFixture, TEST_RULES_DIR, type Customer } from './support/reconciliation-fixture';

const NAMES = 'customer.test-legal-name';
const nameFinding = (n: number) =>
  findingId({
    ruleId: NAMES,
    entity: 'customer',
    matchKey: `C${String(n).padStart(4, '0')}`,
    field: 'legal_name',
    actualSystem: 'crm',
  });
const NEXT_WEEK = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

interface SuppressedItem {
  id: string;
  status: string;
  suppressedBy: string | null;
  suppressedReason: string | null;
  suppressedAt: string | null;
  suppressedUntil: string | null;
}

describe('suppressing and unsuppressing findings (real app, Postgres, ClickHouse, Redis)', () => {
  let t: ApiTestApp;
  let fx: ReconciliationFixture;
  let viewer: string;
  let engineer: { key: string; keyId: string };
  const erp = customers(20);
  // The CRM spells C0001..C0008 differently: eight legal-name findings.
  let crm: Customer[] = erp.map((c, i) => (i < 8 ? { ...c, legal_name: `Other ${i + 1}` } : c));
  const F = Array.from({ length: 9 }, (_, n) => nameFinding(n));

  beforeAll(async () => {
    t = await startApiApp({
      RECONCILIATION_RULES_DIR: TEST_RULES_DIR,
      REDIS_URL: ownRedisUrl(),
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    viewer = (await t.key(['viewer'])).key;
    engineer = await t.key(['engineer'], { name: 'dana.engineer' });
    fx = ReconciliationFixture.over({
      clickhouse: t.app.get(ClickHouseService),
      dataSource: t.app.get(DataSource),
      service: t.app.get(ReconciliationService),
      findings: t.app.get(FindingsRepository),
    });
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot('crm', crm);
    await fx.service.run({ trigger: 'api' });
    expect(await fx.findings.countByStatus([NAMES])).toEqual({ new: 8 });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const post = (path: 'suppress' | 'unsuppress', body: object, key = engineer.key) =>
    request(t.server).post(`/api/v1/findings/${path}`).set('X-API-Key', key).send(body);
  const statuses = async (ids: readonly string[]) =>
    Object.fromEntries(
      (await t.sql<{ id: string; status: string }>('SELECT id, status FROM findings WHERE id = ANY($1)', [ids])).map(
        (r) => [r.id, r.status],
      ),
    );
  /** What the dashboard reads (the rollup) and what it should read (the findings themselves). */
  const openCounts = async () => {
    const [row] = await t.sql<{ rollup: string; actual: string }>(
      `SELECT (SELECT coalesce(sum(open), 0) FROM findings_open_counts WHERE rule_id = $1) AS rollup,
              (SELECT count(*) FROM findings WHERE rule_id = $1 AND status IN ('new', 'open', 'reopened')) AS actual`,
      [NAMES],
    );
    return { rollup: Number(row.rollup), actual: Number(row.actual) };
  };
  const flow = async () => {
    const [row] = await t.sql<{ exited: string; returned: string }>(
      `SELECT coalesce(sum(exited), 0) AS exited, coalesce(sum(returned), 0) AS returned
       FROM findings_daily_flow WHERE rule_id = $1`,
      [NAMES],
    );
    return { exited: Number(row.exited), returned: Number(row.returned) };
  };

  it('suppresses active findings with a reason and an end, shown by the list, the detail and the CSV, one audit entry each', async () => {
    const until = NEXT_WEEK();
    const res = await post('suppress', {
      ids: [F[1], F[2], F[2]],
      reason: 'this customer is deliberately different in the CRM',
      until,
    }).expect(200);
    expect(res.body).toEqual({ suppressed: [F[1], F[2]].sort(), updated: [], unchanged: [] });
    expect(await statuses([F[1], F[2], F[3]])).toEqual({ [F[1]]: 'suppressed', [F[2]]: 'suppressed', [F[3]]: 'new' });

    const list = await request(t.server)
      .get(`/api/v1/findings?status=suppressed&ruleId=${NAMES}`)
      .set('X-API-Key', viewer)
      .expect(200);
    const items = (list.body as { items: SuppressedItem[] }).items;
    expect(items.map((i) => i.id).sort()).toEqual([F[1], F[2]].sort());
    expect(items[0]).toMatchObject({
      status: 'suppressed',
      suppressedBy: 'dana.engineer',
      suppressedReason: 'this customer is deliberately different in the CRM',
      suppressedAt: expect.stringMatching(/Z$/) as unknown,
    });
    expect(Date.parse(items[0].suppressedUntil ?? '')).toBe(Date.parse(until));
    const detail = await request(t.server).get(`/api/v1/findings/${F[1]}`).set('X-API-Key', viewer).expect(200);
    expect((detail.body as { finding: SuppressedItem }).finding).toMatchObject({
      suppressedBy: 'dana.engineer',
      suppressedReason: 'this customer is deliberately different in the CRM',
    });
    const active = await request(t.server).get(`/api/v1/findings/${F[3]}`).set('X-API-Key', viewer).expect(200);
    expect((active.body as { finding: SuppressedItem }).finding).toMatchObject({
      suppressedBy: null,
      suppressedReason: null,
      suppressedAt: null,
      suppressedUntil: null,
    });
    const csv = await request(t.server)
      .get(`/api/v1/findings/export?status=suppressed&ruleId=${NAMES}`)
      .set('X-API-Key', viewer)
      .expect(200);
    const [header, ...lines] = csv.text.trim().split('\r\n');
    const columns = header.split(',');
    for (const column of ['suppressed_by', 'suppressed_reason', 'suppressed_at', 'suppressed_until']) {
      expect(columns).toContain(column);
    }
    expect(lines.map((l) => l.split(',')[columns.indexOf('suppressed_by')])).toEqual([
      'dana.engineer',
      'dana.engineer',
    ]);

    const audit = await t.sql<{ actor: string; action: string; subject_id: string; before: unknown; after: unknown }>(
      `SELECT actor, action, subject_id, before, after FROM audit_log WHERE request_id = $1 ORDER BY subject_id`,
      [res.headers['x-request-id']],
    );
    expect(audit).toEqual(
      [F[1], F[2]].sort().map((id) => ({
        actor: `api-key:${engineer.keyId}`,
        action: 'finding.suppress',
        subject_id: id,
        before: { status: 'new', suppressedBy: null, suppressedReason: null, suppressedUntil: null },
        after: {
          status: 'suppressed',
          suppressedBy: 'dana.engineer',
          suppressedReason: 'this customer is deliberately different in the CRM',
          suppressedUntil: new Date(until).toISOString(),
        },
      })),
    );
  });

  it('takes a new reason and end for findings already suppressed, and changes nothing for the same ones', async () => {
    const [{ suppressed_at: before }] = await t.sql<{ suppressed_at: Date }>(
      'SELECT suppressed_at FROM findings WHERE id = $1',
      [F[1]],
    );
    const updated = await post('suppress', { ids: [F[1]], reason: 'kept in the CRM on purpose' }).expect(200);
    expect(updated.body).toEqual({ suppressed: [], updated: [F[1]], unchanged: [] });
    const [row] = await t.sql<{
      status: string;
      suppressed_reason: string;
      suppressed_until: Date | null;
      suppressed_at: Date;
    }>('SELECT status, suppressed_reason, suppressed_until, suppressed_at FROM findings WHERE id = $1', [F[1]]);
    expect(row).toEqual({
      status: 'suppressed',
      suppressed_reason: 'kept in the CRM on purpose',
      suppressed_until: null,
      suppressed_at: before,
    });
    const again = await post('suppress', { ids: [F[1]], reason: 'kept in the CRM on purpose' }).expect(200);
    expect(again.body).toEqual({ suppressed: [], updated: [], unchanged: [F[1]] });
    const [{ n }] = await t.sql<{ n: string }>(
      "SELECT count(*) AS n FROM audit_log WHERE request_id = $1 AND action = 'finding.suppress'",
      [again.headers['x-request-id']],
    );
    expect(n).toBe('0');
  });

  it('unsuppresses back to open, clears the suppression and audits it; the rollups count the exit and the return', async () => {
    const before = { open: await openCounts(), flow: await flow() };
    expect(before.open.rollup).toBe(before.open.actual);
    await post('suppress', { ids: [F[3], F[4]], reason: 'known exception' }).expect(200);
    expect(await openCounts()).toEqual({ rollup: before.open.actual - 2, actual: before.open.actual - 2 });
    expect(await flow()).toEqual({ exited: before.flow.exited + 2, returned: before.flow.returned });

    const res = await post('unsuppress', { ids: [F[3], F[4]] }).expect(200);
    expect(res.body).toEqual({ unsuppressed: [F[3], F[4]].sort() });
    const rows = await t.sql(
      'SELECT status, suppressed_by, suppressed_reason, suppressed_at, suppressed_until FROM findings WHERE id = ANY($1)',
      [[F[3], F[4]]],
    );
    expect(rows).toEqual(
      Array(2).fill({
        status: 'open',
        suppressed_by: null,
        suppressed_reason: null,
        suppressed_at: null,
        suppressed_until: null,
      }),
    );
    expect(await openCounts()).toEqual(before.open);
    expect(await flow()).toEqual({ exited: before.flow.exited + 2, returned: before.flow.returned + 2 });
    const audit = await t.sql<{ actor: string; action: string; before: unknown; after: unknown }>(
      `SELECT actor, action, before, after FROM audit_log WHERE request_id = $1`,
      [res.headers['x-request-id']],
    );
    expect(audit).toEqual(
      Array(2).fill({
        actor: `api-key:${engineer.keyId}`,
        action: 'finding.unsuppress',
        before: {
          status: 'suppressed',
          suppressedBy: 'dana.engineer',
          suppressedReason: 'known exception',
          suppressedUntil: null,
        },
        after: { status: 'open' },
      }),
    );
  });

  it('changes nothing when an id is unknown (404 naming it) or a finding is in the wrong status (409 naming it)', async () => {
    const unknown = 'e'.repeat(32);
    const other = await t.app.get(FindingsMergeRepository).upsertBatch(randomUUID(), new Date(), [
      {
        ruleId: 'customer.suppress-refusals',
        ruleVersion: 1,
        entity: 'customer',
        matchKey: 'R1',
        field: 'legal_name',
        kind: 'mismatch',
        ownerSystem: 'erp',
        expectedValue: 'a',
        actualSystem: 'crm',
        actualValue: 'b',
        details: '{}',
        score: 1,
        severity: 'low',
        domain: 'customer',
      },
    ]);
    expect(other.inserted).toBe(1);
    const [{ id: resolved }] = await t.sql<{ id: string }>(
      `UPDATE findings SET status = 'resolved', resolved_at = now() WHERE rule_id = 'customer.suppress-refusals' RETURNING id`,
    );
    const auditCount = async () => Number((await t.sql<{ n: string }>('SELECT count(*) AS n FROM audit_log'))[0].n);
    const audits = await auditCount();
    const snapshot = await t.sql('SELECT * FROM findings ORDER BY id');

    const notFound = await post('suppress', { ids: [F[5], unknown], reason: 'x' }).expect(404);
    expect(notFound.body).toMatchObject({ field: 'ids', message: expect.stringContaining(unknown) as unknown });
    expect((notFound.body as { message: string }).message).not.toContain(F[5]);
    const gone = await post('suppress', { ids: [F[5], resolved], reason: 'x' }).expect(409);
    expect(gone.body).toMatchObject({
      field: 'ids',
      message: expect.stringContaining(`${resolved} (resolved)`) as unknown,
    });
    await t.sql(`UPDATE findings SET status = 'retired', resolved_at = NULL WHERE id = $1`, [resolved]);
    const retired = await post('suppress', { ids: [resolved, F[5]], reason: 'x' }).expect(409);
    expect((retired.body as { message: string }).message).toContain(`${resolved} (retired)`);
    await t.sql(`UPDATE findings SET status = 'resolved', resolved_at = now() WHERE id = $1`, [resolved]);

    // F1 is suppressed, F5 is not: unsuppressing both lifts neither.
    const notSuppressed = await post('unsuppress', { ids: [F[1], F[5]] }).expect(409);
    expect(notSuppressed.body).toMatchObject({
      field: 'ids',
      message: expect.stringContaining(`${F[5]} (new)`) as unknown,
    });
    expect((notSuppressed.body as { message: string }).message).not.toContain(F[1]);
    await post('unsuppress', { ids: [F[1], unknown] }).expect(404);

    const after = await t.sql('SELECT * FROM findings ORDER BY id');
    expect(after.filter((r) => r.id !== resolved)).toEqual(snapshot.filter((r) => r.id !== resolved));
    expect(await auditCount()).toBe(audits);
  });

  it('refuses viewers (403) and anonymous callers (401)', async () => {
    const before = await statuses(F);
    await post('suppress', { ids: [F[5]], reason: 'x' }, viewer).expect(403);
    await post('unsuppress', { ids: [F[1]] }, viewer).expect(403);
    await request(t.server)
      .post('/api/v1/findings/suppress')
      .send({ ids: [F[5]], reason: 'x' })
      .expect(401);
    expect(await statuses(F)).toEqual(before);
  });

  it('keeps a suppressed finding suppressed when a run sees it again, with the sighting recorded', async () => {
    const [before] = await t.sql<{ last_seen_at: Date; occurrences: number }>(
      'SELECT last_seen_at, occurrences FROM findings WHERE id = $1',
      [F[1]],
    );
    const run = await fx.service.run({ trigger: 'schedule' });
    const [after] = await t.sql<{
      status: string;
      last_seen_at: Date;
      occurrences: number;
      last_run_id: string;
      suppressed_reason: string;
    }>('SELECT status, last_seen_at, occurrences, last_run_id, suppressed_reason FROM findings WHERE id = $1', [F[1]]);
    expect(after).toMatchObject({
      status: 'suppressed',
      occurrences: before.occurrences + 1,
      last_run_id: run.runId,
      suppressed_reason: 'kept in the CRM on purpose',
    });
    expect(after.last_seen_at.getTime()).toBeGreaterThan(before.last_seen_at.getTime());
    expect(await openCounts()).toEqual({ rollup: 6, actual: 6 });
  });

  it('lifts a suppression whose end has passed in the next run, before resolution, as the system', async () => {
    // F2 (C0002) still differs; F6 (C0006) is fixed in the CRM by the time its suppression ends.
    await post('suppress', { ids: [F[2], F[6]], reason: 'until the migration', until: NEXT_WEEK() }).expect(200);
    await post('suppress', { ids: [F[7]], reason: 'for good' }).expect(200);
    // A week goes by.
    await t.sql(`UPDATE findings SET suppressed_until = now() - interval '1 minute' WHERE id = ANY($1)`, [
      [F[2], F[6]],
    ]);
    crm = crm.map((c) => (c.customer_number === 'C0006' ? erp[5] : c));
    await fx.completeSnapshot('crm', crm);

    const run = await fx.service.run({ trigger: 'schedule' });
    expect(run.status).toBe('complete');
    expect(await statuses([F[1], F[2], F[6], F[7]])).toEqual({
      [F[1]]: 'suppressed',
      [F[2]]: 'open',
      // Lifted before resolution: the same run resolves it rather than leaving it open until the next.
      [F[6]]: 'resolved',
      [F[7]]: 'suppressed',
    });
    expect(run.ruleCounts[NAMES]).toMatchObject({ resolved: 1 });
    const [lifted] = await t.sql('SELECT last_run_id, suppressed_by, suppressed_until FROM findings WHERE id = $1', [
      F[2],
    ]);
    expect(lifted).toEqual({ last_run_id: run.runId, suppressed_by: null, suppressed_until: null });
    const audit = await t.sql<{ actor: string; subject_id: string; after: unknown }>(
      `SELECT actor, subject_id, after FROM audit_log WHERE action = 'finding.unsuppress' AND actor = 'system' ORDER BY subject_id`,
    );
    expect(audit).toEqual(
      [F[2], F[6]].sort().map((id) => ({ actor: 'system', subject_id: id, after: { status: 'open', expired: true } })),
    );
    const open = await openCounts();
    expect(open.rollup).toBe(open.actual);
  });

  it('dismisses the idle fix-up tasks of a suppressed finding with who and why, and plans none while it lasts', async () => {
    const planner = t.app.get(FixupPlannerService);
    const run = await fx.service.run({ trigger: 'schedule' });
    await planner.planRun(run.runId);
    const tasksOf = (id: string) =>
      t.sql<{ state: string; state_reason: string | null; resolved_run_id: string | null }>(
        'SELECT state, state_reason, resolved_run_id::text AS resolved_run_id FROM fix_tasks WHERE finding_id = $1 ORDER BY created_at',
        [id],
      );
    expect(await tasksOf(F[8])).toEqual([{ state: 'proposed', state_reason: null, resolved_run_id: null }]);
    // Suppressed findings get no task.
    for (const id of [F[1], F[7]]) expect(await tasksOf(id)).toEqual([]);

    await post('suppress', { ids: [F[8]], reason: 'the CRM keeps the trading name' }).expect(200);
    // Before the next planning dismisses it, its task cannot be approved: the difference is accepted.
    const steward = await t.key(['steward'], { name: 'sam.steward' });
    const [{ id: taskId }] = await t.sql<{ id: string }>('SELECT id::text AS id FROM fix_tasks WHERE finding_id = $1', [
      F[8],
    ]);
    const approve = await request(t.server)
      .post(`/api/v1/fixups/${taskId}/approve`)
      .set('X-API-Key', steward.key)
      .send({})
      .expect(409);
    expect(approve.body).toMatchObject({
      field: 'finding',
      message: expect.stringContaining('its finding is suppressed'),
    });
    const bulk = await request(t.server)
      .post('/api/v1/fixups/approve')
      .set('X-API-Key', steward.key)
      .send({ ids: [taskId] })
      .expect(200);
    expect(bulk.body).toMatchObject({ changed: [], refused: [{ id: taskId }] });
    expect(await tasksOf(F[8])).toEqual([{ state: 'proposed', state_reason: null, resolved_run_id: null }]);
    const next = await fx.service.run({ trigger: 'schedule' });
    const summary = await planner.planRun(next.runId);
    expect(summary).toMatchObject({ dismissedSuppressed: 1 });
    expect(await tasksOf(F[8])).toEqual([
      {
        state: 'dismissed',
        state_reason: 'the finding was suppressed by dana.engineer: the CRM keeps the trading name',
        resolved_run_id: next.runId,
      },
    ]);
    const [event] = await t.sql<{ actor: string; to_state: string }>(
      `SELECT e.actor, e.to_state FROM fix_task_events e JOIN fix_tasks t ON t.id = e.task_id
       WHERE t.finding_id = $1 ORDER BY e.id DESC LIMIT 1`,
      [F[8]],
    );
    expect(event).toEqual({ actor: 'reconciliation', to_state: 'dismissed' });

    // Unsuppressed and seen again, the finding gets a fresh task.
    await post('unsuppress', { ids: [F[8]] }).expect(200);
    const later = await fx.service.run({ trigger: 'schedule' });
    await planner.planRun(later.runId);
    expect((await tasksOf(F[8])).map((task) => task.state)).toEqual(['dismissed', 'proposed']);
  });
});
