import request from 'supertest';
import { HTTP_DURATION_METRIC } from '../../../backend/src/http/http-metrics.middleware';
import { startApiApp, type ApiTestApp } from './support/api-app';
import { captureProcessOutput } from './support/log-capture';
import { PROBE_DB_PASSWORD, ProbeController } from './support/probe.controller';

const DASHBOARD_ORIGIN = 'https://dashboard.driftwatch.test';

describe('HTTP hardening: headers, CORS, body limits, clean errors, secrets kept out of responses and logs', () => {
  let t: ApiTestApp;
  let logs: ReturnType<typeof captureProcessOutput>;
  let admin: string;
  const responses: { label: string; text: string }[] = [];
  const keep = (label: string, res: request.Response) => {
    responses.push({ label, text: `${JSON.stringify(res.headers)}\n${res.text}` });
    return res;
  };

  beforeAll(async () => {
    logs = captureProcessOutput();
    t = await startApiApp(
      {
        CORS_ORIGINS: `${DASHBOARD_ORIGIN}, https://other.driftwatch.test`,
        HTTP_BODY_LIMIT: '16kb',
        LOG_LEVEL: 'info',
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      { controllers: [ProbeController], databasePassword: PROBE_DB_PASSWORD },
    );
    admin = (await t.key(['admin'])).key;
  });

  afterAll(async () => {
    await t?.close();
    logs?.stop();
  });

  it('sends security headers and hides the framework', async () => {
    const res = keep('headers', await request(t.server).get('/health/live').expect(200));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('serves Swagger UI under the content security policy (scripts from our origin only)', async () => {
    const page = keep('docs', await request(t.server).get('/api/docs/').expect(200).expect('content-type', /html/));
    expect(page.text).not.toMatch(/<script>[^<]/);
    await request(t.server).get('/api/docs/swagger-ui-init.js').expect(200);
  });

  it('allows CORS only for configured origins', async () => {
    const allowed = keep('cors', await request(t.server).get('/health/live').set('Origin', DASHBOARD_ORIGIN));
    expect(allowed.headers['access-control-allow-origin']).toBe(DASHBOARD_ORIGIN);
    const denied = keep('cors', await request(t.server).get('/health/live').set('Origin', 'https://evil.example'));
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(t.server)
      .options('/api/v1/api-keys')
      .set('Origin', DASHBOARD_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-api-key,content-type')
      .expect(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/X-API-Key/i);
    const evilPreflight = await request(t.server)
      .options('/api/v1/api-keys')
      .set('Origin', 'null')
      .set('Access-Control-Request-Method', 'DELETE');
    expect(evilPreflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects an oversized body with a JSON 413 before reading it all', async () => {
    const res = keep(
      '413',
      await request(t.server)
        .post('/api/v1/api-keys')
        .set('X-API-Key', admin)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ name: 'x', roles: ['viewer'], padding: 'p'.repeat(40_000) }))
        .expect(413),
    );
    expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', field: 'body' });
  });

  it.each([
    ['truncated', '{"name": "x", "roles": ['],
    ['single quotes', "{'name': 'x'}"],
    ['trailing garbage', '{"name":"x"} DROP TABLE'],
    ['NUL bytes', '{"name":"\u0000'],
    ['not JSON at all', '<xml/>'],
  ])('rejects a malformed JSON body (%s) with a JSON 400', async (_, body) => {
    const res = keep(
      '400',
      await request(t.server)
        .post('/api/v1/api-keys')
        .set('X-API-Key', admin)
        .set('Content-Type', 'application/json')
        .send(body),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, message: 'request body is not valid JSON', field: 'body' });
    // Refused before the request logger, yet with the id the response echoes, like every other error.
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).not.toMatch(/SyntaxError|at JSON\.parse|node_modules/);
    // pino-http never sees it: the refusal is logged under the same id.
    const line = logs
      .text()
      .split('\n')
      .find((l) => l.includes(res.body.requestId));
    expect(line && JSON.parse(line)).toMatchObject({
      level: 40,
      req: { id: res.body.requestId, method: 'POST', url: '/api/v1/api-keys' },
      res: { statusCode: 400 },
      msg: 'refused: request body is not valid JSON',
    });
  });

  it('names every invalid body field, including unknown ones', async () => {
    const res = keep(
      'validation',
      await request(t.server)
        .post('/api/v1/api-keys')
        .set('X-API-Key', admin)
        .send({ name: 5, roles: ['root'], isAdmin: true })
        .expect(400),
    );
    expect(res.body.field).toBeDefined();
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['isAdmin', 'name', 'roles']);
    const badId = keep(
      'uuid',
      await request(t.server).delete("/api/v1/api-keys/1' OR 1=1").set('X-API-Key', admin).expect(400),
    );
    expect(badId.body).toMatchObject({ field: 'id' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = keep('404', await request(t.server).get('/api/v1/nothing-here').set('X-API-Key', admin).expect(404));
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('answers an unexpected failure with a bare 500 and logs it without the secret', async () => {
    const res = keep('500', await request(t.server).get('/test-probe/boom').expect(500));
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: res.headers['x-request-id'],
    });
    expect(logs.text()).toContain(
      `${res.headers['x-request-id']}]: Error: query failed on postgres://postgres:[redacted]@`,
    );
  });

  it('counts requests by route template, method and status', async () => {
    await request(t.server).get('/api/v1/api-keys').set('X-API-Key', admin).expect(200);
    const res = await request(t.server).get('/metrics').expect(200);
    expect(res.text).toMatch(
      new RegExp(`${HTTP_DURATION_METRIC}_count\\{method="GET",route="/api/v1/api-keys",status="200"\\} [1-9]`),
    );
    expect(res.text).toMatch(
      new RegExp(`${HTTP_DURATION_METRIC}_count\\{method="POST",route="unmatched",status="413"\\} 1`),
    );
    expect(res.text).not.toMatch(/route="\/api\/v1\/api-keys\/[0-9a-f-]{36}"/);
  });

  it('keeps API keys, bearer tokens and the database password out of every response and log line', async () => {
    const created = await request(t.server)
      .post('/api/v1/api-keys')
      .set('X-API-Key', admin)
      .send({ name: 'leak-check', roles: ['engineer'] })
      .expect(201);
    const fresh = created.body.key as string;
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw';
    keep('jwt', await request(t.server).get('/api/v1/audit').set('Authorization', `Bearer ${jwt}`).expect(401));
    keep('fresh key', await request(t.server).get('/api/v1/audit').set('X-API-Key', fresh).expect(403));
    keep(
      'wrong key',
      await request(t.server)
        .get('/api/v1/audit')
        .set('X-API-Key', `${fresh.slice(0, -3)}xyz`)
        .expect(401),
    );
    keep('audit', await request(t.server).get('/api/v1/audit?limit=500').set('X-API-Key', admin).expect(200));
    keep('keys', await request(t.server).get('/api/v1/api-keys').set('X-API-Key', admin).expect(200));
    keep('csv', await request(t.server).get('/api/v1/audit/export').set('X-API-Key', admin).expect(200));
    keep('ready', await request(t.server).get('/health/ready').expect(200));

    const secrets = { admin, fresh, jwt, password: PROBE_DB_PASSWORD };
    const leaks: string[] = [];
    for (const { label, text } of responses) {
      for (const [name, secret] of Object.entries(secrets))
        if (text.includes(secret)) leaks.push(`${name} in response ${label}`);
    }
    const logText = logs.text();
    expect(logText.length).toBeGreaterThan(1000); // the capture works: request logs are there
    // Request lines name the request, never its headers (where a credential would travel).
    expect(logText).toContain('"url":"/api/v1/audit?limit=500"');
    expect(logText).not.toContain('"headers":');
    for (const [name, secret] of Object.entries(secrets)) if (logText.includes(secret)) leaks.push(`${name} in logs`);
    expect(leaks).toEqual([]);
  });
});

describe('rate limits per credential, and metrics off loopback-only mode', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({ RATE_LIMIT_PER_MINUTE: '5', METRICS_PUBLIC_ON_LOOPBACK: 'false' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('limits each key on its own and answers 429 as JSON with Retry-After', async () => {
    const first = (await t.key(['viewer'])).key;
    const second = (await t.key(['viewer'])).key;
    for (let i = 0; i < 5; i += 1) await request(t.server).get('/api/v1/audit').set('X-API-Key', first).expect(403);
    const limited = await request(t.server).get('/api/v1/audit').set('X-API-Key', first).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await request(t.server).get('/api/v1/audit').set('X-API-Key', second).expect(403);
  });

  it('limits guessing: wrong keys are counted before they are checked', async () => {
    const guess = `dwk_aaaaaaaaaaaa_${'B'.repeat(43)}`;
    for (let i = 0; i < 5; i += 1) await request(t.server).get('/api/v1/audit').set('X-API-Key', guess).expect(401);
    await request(t.server).get('/api/v1/audit').set('X-API-Key', guess).expect(429);
  });

  it('never limits health probes', async () => {
    for (let i = 0; i < 8; i += 1) await request(t.server).get('/health/live').expect(200);
  });

  it('requires a viewer credential for /metrics when loopback access is switched off', async () => {
    await request(t.server).get('/metrics').expect(401);
    const viewer = (await t.key(['viewer'])).key;
    await request(t.server).get('/metrics').set('X-API-Key', viewer).expect(200);
  });
});
