import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Secret } from '../config/secret';
import { ConnectorCircuitOpenError, ConnectorHttpError, ConnectorUnavailableError } from '../connector.errors';
import { ConnectorMetrics } from '../connector-metrics';
import { OAuth2ClientCredentials } from './auth';
import { HttpClient, type HttpClientOptions } from './http-client';

type Step = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server answering each request with the next scripted step (the last one repeats). */
async function scriptedServer(steps: Step[]): Promise<{ url: string; hits: IncomingMessage[]; server: Server }> {
  const hits: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    hits.push(req);
    const step = steps[Math.min(hits.length - 1, steps.length - 1)];
    req.resume();
    req.on('end', () => step(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Step =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const drop: Step = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
  res.write('{"records":[1,2', () => res.destroy());
};

describe('HttpClient', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function setup(steps: Step[], options: Partial<HttpClientOptions> = {}) {
    const s = await scriptedServer(steps);
    servers.push(s.server);
    const metrics = new ConnectorMetrics(new Registry());
    const client = new HttpClient({
      connectorId: 'test',
      baseUrl: s.url,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      metrics,
      ...options,
    });
    return { ...s, client, metrics };
  }

  it('waits for Retry-After on 429 and then succeeds', async () => {
    const { client, hits } = await setup([json(429, {}, { 'retry-after': '1' }), json(200, { ok: true })]);
    const started = Date.now();
    const response = await client.request({ method: 'GET', path: '/things' });
    expect(response.body).toEqual({ ok: true });
    expect(hits).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('hands the last Retry-After to the caller when it gives up on a 429', async () => {
    const { client, hits } = await setup([json(429, {}, { 'retry-after': '7' })], {
      retry: { maxAttempts: 2, maxRetryAfterMs: 1000 },
    });
    await expect(client.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({
      status: 429,
      retryAfterMs: 7000,
    });
    expect(hits).toHaveLength(1);
  });

  it('retries 5xx and a connection dropped mid-body on reads', async () => {
    const { client, hits, metrics } = await setup([json(503, {}), drop, json(200, { ok: 1 })]);
    await expect(client.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(hits).toHaveLength(3);
    const errors = await metrics.errors.get();
    expect(errors.values.map((v) => v.labels.kind).sort()).toEqual(['http_5xx', 'network']);
  });

  it('does not resend a non-idempotent POST after a 5xx, but does after a 429', async () => {
    const a = await setup([json(500, { e: 1 }), json(200, {})]);
    await expect(a.client.request({ method: 'POST', path: '/w', json: {} })).rejects.toBeInstanceOf(ConnectorHttpError);
    expect(a.hits).toHaveLength(1);
    const b = await setup([json(429, {}, { 'retry-after': '0' }), json(201, {})]);
    await expect(b.client.request({ method: 'POST', path: '/w', json: {} })).resolves.toMatchObject({ status: 201 });
  });

  it('gives up after the last attempt with a typed error', async () => {
    const { client, hits } = await setup([json(502, { down: true })], {
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    await expect(client.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ status: 502 });
    expect(hits).toHaveLength(3);
  });

  it('times out a request that never answers', async () => {
    const { client } = await setup([() => undefined], { timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    await expect(client.request({ method: 'GET', path: '/slow' })).rejects.toBeInstanceOf(ConnectorUnavailableError);
  });

  it('opens the circuit after consecutive failures and refuses calls without sending them', async () => {
    const { client, hits } = await setup([json(503, {})], {
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
    });
    for (let i = 0; i < 3; i++)
      await expect(client.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(ConnectorHttpError);
    await expect(client.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(ConnectorCircuitOpenError);
    expect(hits).toHaveLength(3);
    expect(client.circuitState).toBe('open');
  });

  it('refreshes an OAuth2 token once on 401', async () => {
    let tokens = 0;
    const token = await scriptedServer([
      (_req, res) => {
        tokens++;
        json(200, { access_token: `t${tokens}`, expires_in: 3600 })(_req, res);
      },
    ]);
    servers.push(token.server);
    const auth = new OAuth2ClientCredentials({
      tokenUrl: `${token.url}/token`,
      clientId: 'id',
      clientSecret: new Secret('s', 'test'),
    });
    const { client, hits } = await setup(
      [(req, res) => (req.headers.authorization === 'Bearer t2' ? json(200, { ok: 1 }) : json(401, {}))(req, res)],
      { auth },
    );
    await expect(client.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(tokens).toBe(2);
    expect(hits.map((h) => h.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('says when a request is on its way, so the server gets it while the caller keeps the event loop busy', async () => {
    // A server in another process, answering with the time each request reached it.
    const server = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((req, res) => { const at = Date.now(); req.resume();
           req.on('end', () => res.end(JSON.stringify({ at }))); })
         .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = await new Promise<string>((resolve) =>
        server.stdout.once('data', (d: Buffer) => resolve(String(d).trim())),
      );
      const client = new HttpClient({ connectorId: 'test', baseUrl: `http://127.0.0.1:${port}` });
      await client.request({ method: 'GET', path: '/warm-up' }); // pages after the first reuse the connection
      let sent = (): void => undefined;
      const onSent = new Promise<void>((resolve) => (sent = resolve));
      const answer = client.request({ method: 'GET', path: '/page', onSent: () => sent() });
      await onSent;
      const busyFrom = Date.now();
      while (Date.now() - busyFrom < 400); // mapping the previous page, say
      const { at } = (await answer).body as { at: number };
      // Queued only, the request would leave after the busy loop (≥ 400 ms); the margin is for a loaded CI.
      expect(at).toBeLessThan(busyFrom + 250);
    } finally {
      server.kill();
    }
  });

  it('limits the request rate on the client side', async () => {
    const { client } = await setup([json(200, {})], { rateLimit: { perSecond: 5, maxConcurrent: 5 } });
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, () => client.request({ method: 'GET', path: '/x' })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
