import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { JobEnqueuer } from '../../../backend/src/queues/job-enqueuer';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { ownRedisUrl } from '../support/test-services';
import { customers, ReconciliationFixture, TEST_RULES_DIR } from './support/reconciliation-fixture';

const NAMES = 'customer.test-legal-name';

describe('findings and reconciliation over HTTP (real app, Postgres, ClickHouse, Redis)', () => {
  let t: ApiTestApp;
  let viewer: string;
  let engineer: string;

  beforeAll(async () => {
    t = await startApiApp({
      RECONCILIATION_RULES_DIR: TEST_RULES_DIR,
      REDIS_URL: ownRedisUrl(),
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    viewer = (await t.key(['viewer'])).key;
    engineer = (await t.key(['engineer'])).key;
    const fx = ReconciliationFixture.over({
      clickhouse: t.app.get(ClickHouseService),
      dataSource: t.app.get(DataSource),
      service: t.app.get(ReconciliationService),
      findings: t.app.get(FindingsRepository),
    });
    const erp = customers(200);
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot(
      'crm',
      erp.slice(0, 190).map((c, i) => (i < 7 ? { ...c, legal_name: `${c.legal_name}, "Inc"` } : c)),
    );
    await t.app.get(ReconciliationService).run({ trigger: 'api' });
  }, 90_000);

  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string, key = viewer) => request(t.server).get(path).set('X-API-Key', key);

  it('lists findings with allow-listed filters and cursor pagination that visits every finding once', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(
        `/api/v1/findings?status=new&sort=matchKey&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      const body = res.body as { items: { id: string }[]; nextCursor: string | null };
      for (const item of body.items) seen.add(item.id);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen.size).toBe(17);
    expect(pages).toBe(5);
    const names = await get(`/api/v1/findings?ruleId=${NAMES}`).expect(200);
    expect((names.body as { items: unknown[] }).items).toHaveLength(7);
    // `active`: new, open and reopened at once (here all 17 are new).
    const active = await get('/api/v1/findings?status=active&limit=100').expect(200);
    expect((active.body as { items: unknown[] }).items).toHaveLength(17);
    await get('/api/v1/findings?status=activ').expect(400);
    await get('/api/v1/findings?orderBy=id').expect(400);
    await get("/api/v1/findings?status=new'--").expect(400);
    await request(t.server).get('/api/v1/findings').expect(401);
  });

  it('shows one finding with the owner value and each system value side by side', async () => {
    const list = await get(`/api/v1/findings?ruleId=${NAMES}&matchKey=C0001`).expect(200);
    const [item] = (list.body as { items: { id: string }[] }).items;
    const detail = await get(`/api/v1/findings/${item.id}`).expect(200);
    expect(detail.body).toMatchObject({
      finding: { matchKey: 'C0001', field: 'legal_name', status: 'new' },
      sideBySide: {
        ownerSystem: 'erp',
        expectedValue: 'Acme 1',
        systems: [{ system: 'crm', value: 'Acme 1, "Inc"', status: 'new', findingId: item.id }],
      },
    });
    await get('/api/v1/findings/0123456789abcdef0123456789abcdef').expect(404);
  });

  it('exports findings as CSV with quoting', async () => {
    const res = await get(`/api/v1/findings/export?ruleId=${NAMES}&sort=matchKey`).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const lines = res.text.trim().split('\r\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^id,status,severity/);
    expect(lines[1]).toContain('"Acme 1, ""Inc"""');
  });

  it('dry-runs and backtests a rule through the API and queues runs with a job id', async () => {
    const dry = await request(t.server)
      .post('/api/v1/reconciliation/dry-run')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'customer.test-presence' })
      .expect(200);
    expect(dry.body).toMatchObject({ total: 10, byKind: { missing: 10 } });
    await request(t.server)
      .post('/api/v1/reconciliation/dry-run')
      .set('X-API-Key', viewer)
      .send({ ruleId: 'customer.test-presence' })
      .expect(403);
    await request(t.server)
      .post('/api/v1/reconciliation/dry-run')
      .set('X-API-Key', engineer)
      .send({ rule: 'id: x\nkind: presence\n' })
      .expect(400);
    await request(t.server)
      .post('/api/v1/reconciliation/dry-run')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'no.such-rule' })
      .expect(404);
    const backtest = await request(t.server)
      .post('/api/v1/reconciliation/backtest')
      .set('X-API-Key', engineer)
      .send({ ruleId: NAMES })
      .expect(200);
    expect((backtest.body as { points: { total: number }[] }).points.map((p) => p.total)).toEqual([7]);

    const queued = await request(t.server)
      .post('/api/v1/reconciliation/runs')
      .set('X-API-Key', engineer)
      .send({ entity: 'customer', keys: ['C0001'] })
      .expect(202);
    const jobId = (queued.body as { jobId: string }).jobId;
    const job = await t.app.get(JobEnqueuer).queue('reconcile').getJob(jobId);
    expect(job?.data).toEqual({ trigger: 'api', entity: 'customer', keys: ['C0001'] });
    await job?.remove();
    await request(t.server)
      .post('/api/v1/reconciliation/runs')
      .set('X-API-Key', engineer)
      .send({ keys: ['C0001'] })
      .expect(400);

    const runs = await get('/api/v1/reconciliation/runs').expect(200);
    const [latest] = runs.body as { id: string }[];
    expect(latest).toMatchObject({
      status: 'complete',
      trigger: 'api',
      scope: { ruleIds: null, target: null },
      ruleCounts: { [NAMES]: { status: 'ran', findings: 7 } },
    });
    expect((await get(`/api/v1/reconciliation/runs/${latest.id}`).expect(200)).body).toEqual(latest);

    // A run on a change event's keys since: the newest run, but not a full one.
    const targeted = randomUUID();
    await t.app.get(DataSource).query(
      `INSERT INTO reconciliation_runs (id, trigger, status, scope, started_at, finished_at)
       VALUES ($1, 'event', 'complete', $2::jsonb, now() + interval '1 minute', now() + interval '1 minute')`,
      [targeted, JSON.stringify({ ruleIds: null, target: { entity: 'customer', keys: ['C0001'] } })],
    );
    const ids = async (query: string) =>
      ((await get(`/api/v1/reconciliation/runs${query}`).expect(200)).body as { id: string }[]).map((r) => r.id);
    const all = await ids('');
    expect(all[0]).toBe(targeted);
    expect(await ids('?scope=full')).toEqual(all.slice(1));
    expect(await ids('?scope=targeted')).toEqual([targeted]);
    await get('/api/v1/reconciliation/runs?scope=partial').expect(400);
  });
});
