import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { JobEnqueuer } from '../../../backend/src/queues/job-enqueuer';
import { startApiApp, type ApiTestApp } from './support/api-app';
import { ProbeController } from './support/probe.controller';

/** A cursor as a client could forge one: base64url JSON of [sort key, direction, value, id]. */
const cursor = (...parts: string[]): string => Buffer.from(JSON.stringify(parts)).toString('base64url');

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('bad input to the HTTP API: a 4xx that names the problem, never a 500, a hang or a silently ignored part', () => {
  let t: ApiTestApp;
  let admin: string;
  let engineer: string;

  beforeAll(async () => {
    t = await startApiApp({ RATE_LIMIT_PER_MINUTE: '100000' }, { controllers: [ProbeController] });
    admin = (await t.key(['admin'])).key;
    engineer = (await t.key(['engineer'])).key;
  });

  afterAll(async () => {
    await t?.close();
  });

  const reconcileJobs = async (): Promise<number> => {
    const counts = (await t.app.get(JobEnqueuer).queue('reconcile').getJobCounts()) as unknown as Record<
      string,
      number
    >;
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };

  it('refuses a body it does not read (text/plain, no Content-Type) with 415 instead of acting without it', async () => {
    const before = await reconcileJobs();
    for (const contentType of ['text/plain', 'application/xml', undefined]) {
      const req = request(t.server).post('/api/v1/reconciliation/runs').set('X-API-Key', engineer);
      if (contentType) req.set('Content-Type', contentType);
      else req.unset('Content-Type');
      // As text/plain this body used to be dropped: a full run of every rule was queued instead.
      const res = await req.send(Buffer.from(JSON.stringify({ ruleIds: ['customer.presence'] }))).expect(415);
      expect(res.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type', field: 'body' });
    }
    expect(await reconcileJobs()).toBe(before);
  });

  it('refuses a NUL character in a body string with a 400 naming the field, before anything is queued or stored', async () => {
    const before = await reconcileJobs();
    const run = await request(t.server)
      .post('/api/v1/reconciliation/runs')
      .set('X-API-Key', engineer)
      .send({ entity: 'customer', keys: ['C-1', 'C-\u00002'] })
      .expect(400);
    expect(run.body).toMatchObject({ field: 'keys.1', message: expect.stringMatching(/NUL/) });
    expect(await reconcileJobs()).toBe(before);

    const silence = await request(t.server)
      .post('/api/v1/alerts/silences')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'customer.presence', reason: 'main\u0000tenance', endsAt: '2099-01-01T00:00:00Z' })
      .expect(400);
    expect(silence.body).toMatchObject({ field: 'reason' });
    expect(await t.sql('SELECT 1 FROM alert_silences')).toEqual([]);
  });

  it('refuses a NUL character in the path or the query with a 400 naming where it is', async () => {
    const query = await request(t.server)
      .get('/api/v1/reconciliation/runs?jobId=a%00b')
      .set('X-API-Key', admin)
      .expect(400);
    expect(query.body).toMatchObject({ field: 'jobId', message: expect.stringMatching(/NUL/) });
    const snapshots = await request(t.server)
      .get('/api/v1/snapshots?connectorId=crm%00')
      .set('X-API-Key', admin)
      .expect(400);
    expect(snapshots.body).toMatchObject({ field: 'connectorId' });
    const path = await request(t.server).get('/api/v1/findings/a%00b').set('X-API-Key', admin).expect(400);
    expect(path.body).toMatchObject({ field: 'path' });
  });

  it('refuses a body nested deeper than any request needs with a 400, not a stack overflow', async () => {
    const depth = 5000;
    for (const body of [
      `${'['.repeat(depth)}${']'.repeat(depth)}`,
      `{"ruleIds":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    ]) {
      const res = await request(t.server)
        .post('/api/v1/reconciliation/runs')
        .set('X-API-Key', engineer)
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(res.body).toMatchObject({ field: 'body', message: expect.stringMatching(/nested more than \d+ levels/) });
    }
  });

  it.each([
    ['/api/v1/findings', 'lastSeenAt', 'asc', 'not-a-time', '0123456789abcdef0123456789abcdef'],
    ['/api/v1/findings', 'occurrences', 'desc', '12abc', '0123456789abcdef0123456789abcdef'],
    ['/api/v1/findings', 'matchKey', 'asc', 'C-1\u0000', '0123456789abcdef0123456789abcdef'],
    ['/api/v1/findings', 'lastSeenAt', 'asc', '2026-01-01T00:00:00.000000Z', 'x'],
    ['/api/v1/fixups', 'createdAt', 'desc', '', ''],
    ['/api/v1/fixups/review', 'updatedAt', 'asc', '2026-02-30T00:00:00Z', UNKNOWN_ID],
    ['/api/v1/stewardship/items', 'score', 'asc', '1e400', UNKNOWN_ID],
    ['/api/v1/stewardship/items', 'createdAt', 'asc', '2026-01-01T00:00:00Z', 'not-a-uuid'],
    ['/api/v1/stewardship/reviews', 'createdAt', 'desc', '-1', '-1'],
    ['/api/v1/audit', 'at', 'asc', '99999999999999999999999', '1'],
    ['/api/v1/audit', 'at', 'asc', '2026-01-01T00:00:00Z', '9999999999999999999'],
  ])('refuses a tampered cursor of %s (sort %s %s) with a 400 on cursor', async (path, key, direction, value, id) => {
    const sort = direction === 'desc' ? `-${key}` : key;
    const res = await request(t.server)
      .get(path)
      .query({ sort, cursor: cursor(key, direction, value, id) })
      .set('X-API-Key', admin)
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, field: 'cursor' });
  });

  it.each(['/api/v1/audit/export', '/api/v1/findings/export'])(
    'answers a tampered cursor of %s with a 400 before any CSV is streamed (it used to hang)',
    async (path) => {
      const key = path.startsWith('/api/v1/audit') ? 'at' : 'lastSeenAt';
      const res = await request(t.server)
        .get(path)
        .query({ sort: key, cursor: cursor(key, 'asc', 'garbage', 'x') })
        .set('X-API-Key', admin)
        .timeout(5000)
        .expect(400);
      expect(res.body).toMatchObject({ field: 'cursor' });
    },
  );

  it('cuts the connection of a streamed answer that fails part way instead of leaving the client waiting', async () => {
    const { port } = t.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/test-probe/export-then-fail`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(200);
    const failure = await res.text().then(
      () => new Error('the truncated answer looked complete'),
      (error: unknown) => error as Error,
    );
    expect(failure.name).not.toBe('TimeoutError');
    expect(failure.message).not.toBe('the truncated answer looked complete');
  });

  it('refuses dates that are not real dates instead of failing in the database or reading them as 1970', async () => {
    const overview = await request(t.server)
      .get('/api/v1/dashboard/overview?from=0000-01-01&to=0000-02-01')
      .set('X-API-Key', admin)
      .expect(400);
    expect(overview.body).toMatchObject({ field: 'to' });
    const audit = await request(t.server).get('/api/v1/audit?from=2026-02-30').set('X-API-Key', admin).expect(400);
    expect(audit.body).toMatchObject({ field: 'from' });
    for (const from of [5, true, '1900-01-01T00:00:00Z']) {
      const backtest = await request(t.server)
        .post('/api/v1/reconciliation/backtest')
        .set('X-API-Key', engineer)
        .send({ ruleId: 'customer.presence', from })
        .expect(400);
      expect(backtest.body.message).toMatch(/from/);
    }
  });

  it('answers a rule text with an alias bomb with a 400 that says so', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`);
    }
    const res = await request(t.server)
      .post('/api/v1/reconciliation/dry-run')
      .set('X-API-Key', engineer)
      .send({ rule: levels.join('\n') })
      .expect(400);
    expect(res.body.message).toMatch(/alias/i);
  });

  it('refuses a run of a rule the pack lacks with a 404 and queues nothing', async () => {
    const before = await reconcileJobs();
    const res = await request(t.server)
      .post('/api/v1/reconciliation/runs')
      .set('X-API-Key', engineer)
      .send({ ruleIds: ['customer.presence', 'customer.no-such-rule'] })
      .expect(404);
    expect(res.body.message).toMatch(/customer\.no-such-rule/);
    expect(await reconcileJobs()).toBe(before);
  });

  it('refuses unknown and repeated parameters of the reconciliation run list instead of ignoring them', async () => {
    const unknown = await request(t.server)
      .get('/api/v1/reconciliation/runs?status=failed')
      .set('X-API-Key', admin)
      .expect(400);
    expect(unknown.body).toMatchObject({ field: 'status' });
    const repeated = await request(t.server)
      .get('/api/v1/reconciliation/runs?jobId=a&jobId=b')
      .set('X-API-Key', admin)
      .expect(400);
    expect(repeated.body).toMatchObject({ field: 'jobId' });
    await request(t.server).get('/api/v1/reconciliation/runs?limit=0').set('X-API-Key', admin).expect(400);
    await request(t.server)
      .get('/api/v1/reconciliation/runs?limit=5&jobId=reconcile:api:x')
      .set('X-API-Key', admin)
      .expect(200);
  });

  it('refuses a silence of a domain that does not exist (it would silence nothing)', async () => {
    const res = await request(t.server)
      .post('/api/v1/alerts/silences')
      .set('X-API-Key', engineer)
      .send({ domain: 'custmer', reason: 'maintenance window', endsAt: '2099-01-01T00:00:00Z' })
      .expect(400);
    expect(res.body).toMatchObject({ field: 'domain' });
  });

  it('refuses a silence of a rule the pack lacks with a 404 naming it (it would silence nothing)', async () => {
    const res = await request(t.server)
      .post('/api/v1/alerts/silences')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'customer.no-such-rule', reason: 'maintenance window', endsAt: '2099-01-01T00:00:00Z' })
      .expect(404);
    expect(res.body).toMatchObject({ field: 'ruleId', message: expect.stringMatching(/customer\.no-such-rule/) });
    expect(await t.sql("SELECT 1 FROM alert_silences WHERE rule_id = 'customer.no-such-rule'")).toEqual([]);
    // A rule outside the named domain: an alert must match both, so this one too would silence nothing.
    const elsewhere = await request(t.server)
      .post('/api/v1/alerts/silences')
      .set('X-API-Key', engineer)
      .send({
        ruleId: 'customer.presence',
        domain: 'order',
        reason: 'maintenance window',
        endsAt: '2099-01-01T00:00:00Z',
      })
      .expect(400);
    expect(elsewhere.body).toMatchObject({
      field: 'domain',
      message: expect.stringMatching(/domain customer, not order/),
    });
  });

  it('refuses a repeated key of a targeted run, dry-run or snapshot with a 400 naming where it repeats', async () => {
    const before = await reconcileJobs();
    const keys = ['C-1', 'C-2', 'C-1'];
    const run = await request(t.server)
      .post('/api/v1/reconciliation/runs')
      .set('X-API-Key', engineer)
      .send({ entity: 'customer', keys })
      .expect(400);
    expect(run.body).toMatchObject({
      field: 'keys',
      message: expect.stringMatching(/unique.*keys\.2 repeats keys\.0/),
    });
    const preview = await request(t.server)
      .post('/api/v1/reconciliation/dry-run')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'customer.presence', keys })
      .expect(400);
    expect(preview.body).toMatchObject({ field: 'keys', message: expect.stringMatching(/unique/) });
    const snapshot = await request(t.server)
      .post('/api/v1/snapshots')
      .set('X-API-Key', admin)
      .send({ connectorId: 'crm', entity: 'customer', mode: 'incremental', keys })
      .expect(400);
    expect(snapshot.body).toMatchObject({ field: 'keys', message: expect.stringMatching(/unique/) });
    expect(await reconcileJobs()).toBe(before);
    expect(await t.sql('SELECT 1 FROM snapshot_runs')).toEqual([]);
  });

  it('refuses an unknown query parameter of a list with a query DTO, naming it', async () => {
    const list = await request(t.server).get('/api/v1/snapshots?state=failed').set('X-API-Key', admin).expect(400);
    expect(list.body).toMatchObject({ field: 'state' });
    // A server-sent event stream too: a 400 before the stream starts, not an error event of a 200 stream.
    const progress = await request(t.server)
      .get('/api/v1/snapshots/progress?connector=crm')
      .set('X-API-Key', admin)
      .timeout(5000)
      .expect(400);
    expect(progress.headers['content-type']).toMatch(/json/);
    expect(progress.body).toMatchObject({ field: 'connector' });
  });

  it('refuses a query parameter on a route that reads none instead of answering as if it applied', async () => {
    const silences = await request(t.server)
      .get('/api/v1/alerts/silences?includeExpired=true')
      .set('X-API-Key', admin)
      .expect(400);
    expect(silences.body).toMatchObject({
      field: 'includeExpired',
      message: expect.stringMatching(/takes no query parameters/),
    });
    const rules = await request(t.server).get('/api/v1/rules?enabled=false').set('X-API-Key', admin).expect(400);
    expect(rules.body).toMatchObject({ field: 'enabled' });
    const before = await reconcileJobs();
    const dryRun = await request(t.server)
      .post('/api/v1/reconciliation/runs?dryRun=true')
      .set('X-API-Key', engineer)
      .send({ ruleIds: ['customer.presence'] })
      .expect(400);
    expect(dryRun.body).toMatchObject({ field: 'dryRun' });
    expect(await reconcileJobs()).toBe(before);
    // A server-sent event stream too: a 400 before the stream starts.
    const runId = '11111111-1111-4111-8111-111111111111';
    await t.sql(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, finished_at)
       VALUES ($1, 'crm', 'customer', 'full', 'api', 'complete', now())`,
      [runId],
    );
    const progress = await request(t.server)
      .get(`/api/v1/snapshots/${runId}/progress?since=0`)
      .set('X-API-Key', admin)
      .timeout(5000)
      .expect(400);
    expect(progress.headers['content-type']).toMatch(/json/);
    expect(progress.body).toMatchObject({ field: 'since' });
    // Authentication is still checked first; without a query the same routes answer as before.
    await request(t.server).get('/api/v1/alerts/silences?includeExpired=true').expect(401);
    await request(t.server).get('/api/v1/alerts/silences').set('X-API-Key', admin).expect(200);
    await request(t.server).get('/health/live?probe=1').expect(200);
  });

  it('answers 404 for the progress stream of an unknown snapshot run, not a 200 stream with an error event', async () => {
    const res = await request(t.server)
      .get(`/api/v1/snapshots/${UNKNOWN_ID}/progress`)
      .set('X-API-Key', admin)
      .timeout(5000)
      .expect(404);
    expect(res.headers['content-type']).toMatch(/json/);
    await request(t.server).get('/api/v1/snapshots/not-a-uuid/progress').set('X-API-Key', admin).expect(400);
  });

  it('names a bad path parameter as a path parameter', async () => {
    const finding = await request(t.server).get('/api/v1/findings/zz').set('X-API-Key', admin).expect(400);
    expect(finding.body).toMatchObject({ field: 'id', message: expect.stringMatching(/^path parameter 'id'/) });
    const customer = await request(t.server).get('/api/v1/customers/a%2Fb').set('X-API-Key', admin).expect(400);
    expect(customer.body.message).toMatch(/^path parameter 'customerNumber'/);
  });

  it('refuses an empty or overlong key of a targeted run, dry-run or snapshot instead of targeting nothing', async () => {
    const before = await reconcileJobs();
    for (const keys of [
      ['C-1', ''],
      ['C-1', 'k'.repeat(256)],
    ]) {
      const run = await request(t.server)
        .post('/api/v1/reconciliation/runs')
        .set('X-API-Key', engineer)
        .send({ entity: 'customer', keys })
        .expect(400);
      expect(run.body).toMatchObject({ field: 'keys' });
      const preview = await request(t.server)
        .post('/api/v1/reconciliation/dry-run')
        .set('X-API-Key', engineer)
        .send({ ruleId: 'customer.presence', keys })
        .expect(400);
      expect(preview.body).toMatchObject({ field: 'keys' });
      const snapshot = await request(t.server)
        .post('/api/v1/snapshots')
        .set('X-API-Key', admin)
        .send({ connectorId: 'crm', entity: 'customer', mode: 'incremental', keys })
        .expect(400);
      expect(snapshot.body).toMatchObject({ field: 'keys' });
    }
    expect(await reconcileJobs()).toBe(before);
  });

  it('refuses a suppression without a reason, with one over 500 characters, or with an end not in the future or without a zone', async () => {
    const id = 'a'.repeat(32);
    const suppress = (body: object) =>
      request(t.server).post('/api/v1/findings/suppress').set('X-API-Key', engineer).send(body).expect(400);
    for (const body of [
      { ids: [id] },
      { ids: [id], reason: '' },
      { ids: [id], reason: '   ' },
      { ids: [id], reason: 'x'.repeat(501) },
    ]) {
      expect((await suppress(body)).body).toMatchObject({ field: 'reason' });
    }
    for (const until of ['2020-01-01T00:00:00Z', '2099-01-01T10:00:00', 'next week', '2099-02-30T00:00:00Z']) {
      expect((await suppress({ ids: [id], reason: 'known exception', until })).body).toMatchObject({ field: 'until' });
    }
    expect((await suppress({ ids: [], reason: 'known exception' })).body).toMatchObject({ field: 'ids' });
    const unsuppress = await request(t.server)
      .post('/api/v1/findings/unsuppress')
      .set('X-API-Key', engineer)
      .send({ ids: [id], reason: 'not read here' })
      .expect(400);
    expect(unsuppress.body).toMatchObject({ field: 'reason' });
    expect(await t.sql(`SELECT 1 FROM audit_log WHERE action LIKE 'finding.%suppress'`)).toEqual([]);
  });

  it('refuses a date-time without a time zone in a body instead of reading it in the server zone', async () => {
    const local = '2030-01-01T10:00:00';
    const key = await request(t.server)
      .post('/api/v1/api-keys')
      .set('X-API-Key', admin)
      .send({ name: 'zone-less', roles: ['viewer'], expiresAt: local })
      .expect(400);
    expect(key.body).toMatchObject({ field: 'expiresAt', message: expect.stringMatching(/time zone/) });
    const silence = await request(t.server)
      .post('/api/v1/alerts/silences')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'customer.presence', reason: 'maintenance', endsAt: local })
      .expect(400);
    expect(silence.body).toMatchObject({ field: 'endsAt' });
    const backtest = await request(t.server)
      .post('/api/v1/reconciliation/backtest')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'customer.presence', from: '2026-01-01T00:00', to: '2026-02-01T00:00:00Z' })
      .expect(400);
    expect(backtest.body).toMatchObject({ field: 'from' });
    // With a zone, or a date alone (a UTC day), the same requests are taken.
    await request(t.server)
      .post('/api/v1/alerts/silences')
      .set('X-API-Key', engineer)
      .send({ ruleId: 'customer.presence', reason: 'maintenance', endsAt: `${local}+02:00` })
      .expect(201);
    await request(t.server)
      .post('/api/v1/api-keys')
      .set('X-API-Key', admin)
      .send({ name: 'zoned', roles: ['viewer'], expiresAt: '2030-01-01' })
      .expect(201);
  });
});
