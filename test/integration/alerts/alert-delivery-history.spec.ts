import request from 'supertest';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';

describe('alert delivery history over the API (real API, Postgres)', () => {
  let api: ApiTestApp;
  let key: string;

  beforeAll(async () => {
    api = await startApiApp();
    ({ key } = await api.key(['viewer']));
    // More deliveries than the history list's 200 (so the days cannot come from that list), spread over days.
    await api.sql(
      `INSERT INTO alert_deliveries (alert_key, run_id, action, channel, status, detail, attempts, created_at)
       SELECT 'credit-ops:credit.hold-visibility:#credit-ops', 'run-' || i, 'update', '#credit-ops',
              CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'sent' END, NULL, 1,
              timestamptz '2026-11-20 08:00:00+00' + (i % 3) * interval '1 day' + i * interval '1 second'
         FROM generate_series(1, 300) i`,
    );
    await api.sql(
      `INSERT INTO alert_deliveries (alert_key, run_id, action, channel, status, detail, attempts, created_at)
       VALUES ('order-ops:order.status-match:#order-ops', 'run-x', 'post', '#order-ops', 'held', 'silenced', 1,
               timestamptz '2026-11-22 23:59:59+00')`,
    );
  });

  afterAll(async () => {
    await api?.close();
  });

  const daily = (query: string) =>
    request(api.server).get(`/api/v1/alerts/deliveries/daily${query}`).set('authorization', `Bearer ${key}`);

  it('counts every delivery of each UTC day by status, with the days without any as zeros', async () => {
    const res = await daily('?from=2026-11-19T00:00:00Z&to=2026-11-24T00:00:00Z').expect(200);
    expect(res.body).toEqual([
      { day: '2026-11-19', sent: 0, held: 0, failed: 0 },
      { day: '2026-11-20', sent: 90, held: 0, failed: 10 },
      { day: '2026-11-21', sent: 90, held: 0, failed: 10 },
      { day: '2026-11-22', sent: 90, held: 1, failed: 10 },
      { day: '2026-11-23', sent: 0, held: 0, failed: 0 },
    ]);
  });

  it('defaults to the last 30 days and refuses a bad range', async () => {
    const res = await daily('').expect(200);
    expect((res.body as unknown[]).length).toBeGreaterThanOrEqual(30);
    const bad = await daily('?from=2026-11-24T00:00:00Z&to=2026-11-19T00:00:00Z').expect(400);
    expect(bad.body.field).toBe('from');
    await request(api.server).get('/api/v1/alerts/deliveries/daily').expect(401);
  });

  it('pages back through the history with before, and narrows it to one alert', async () => {
    const list = (query: string) =>
      request(api.server).get(`/api/v1/alerts/deliveries${query}`).set('authorization', `Bearer ${key}`);
    const first = (await list('').expect(200)).body as Array<{ id: string; alertKey: string }>;
    expect(first).toHaveLength(200);
    const next = (await list(`?before=${first[first.length - 1].id}`).expect(200)).body as Array<{ id: string }>;
    expect(next).toHaveLength(101);
    const ids = [...first, ...next].map((d) => Number(d.id));
    expect(new Set(ids).size).toBe(301);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const one = (await list('?alertKey=order-ops:order.status-match:%23order-ops&limit=5').expect(200)).body;
    expect(one).toHaveLength(1);
    expect((await list('?before=abc').expect(400)).body.field).toBe('before');
    expect((await list('?limit=501').expect(400)).body.field).toBe('limit');
  });
});
