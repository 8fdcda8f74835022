import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook } from './webhook-dispatcher';
import { startEstate, type RunningEstate } from '../../estate/estate';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

describe('WMS REST API over HTTP', () => {
  let estate: RunningEstate;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let failuresLeft = 1;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (failuresLeft-- > 0) {
        res.writeHead(500).end();
        return;
      }
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  const auth = () => ({ Authorization: `Bearer ${estate.wms.apiKey}` });

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    estate = await startEstate({
      customers: 1200,
      seed: 5,
      wmsWebhooks: [{ url: `http://127.0.0.1:${port}/hooks/wms`, secret: 'whsec-demo-123' }],
      wmsWebhookRetry: { attempts: 4, baseDelayMs: 50 },
    });
  });

  afterAll(async () => {
    await estate.stop();
    await new Promise((r) => receiver.close(r));
  });

  it('requires the API key', async () => {
    const res = await fetch(`${estate.wms.baseUrl}/api/v1/shipments`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('unauthorized');
  });

  it('pages every shipment exactly once with next_cursor, in updated_at order', async () => {
    const ids: string[] = [];
    const stamps: number[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await fetch(
        `${estate.wms.baseUrl}/api/v1/shipments?limit=250${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: auth() },
      );
      const body = await res.json();
      for (const s of body.data) {
        ids.push(s.id);
        stamps.push(Date.parse(s.updated_at));
        expect(['picked', 'packed', 'shipped', 'delivered']).toContain(s.status);
        expect(s.milestones[s.milestones.length - 1].status).toBe(s.status);
      }
      cursor = body.next_cursor;
      expect(body.has_more).toBe(cursor !== null);
    } while (cursor);
    expect(ids.length).toBe(estate.stores.wms.shipments.size);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });

  it('advances a milestone, refuses skipping one, and delivers a signed webhook with retries', async () => {
    const picked = (
      await (await fetch(`${estate.wms.baseUrl}/api/v1/shipments?status=picked&limit=1`, { headers: auth() })).json()
    ).data[0];
    const skip = await fetch(`${estate.wms.baseUrl}/api/v1/shipments/${picked.id}/milestones`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ status: 'delivered' }),
    });
    expect(skip.status).toBe(409);
    const ok = await fetch(`${estate.wms.baseUrl}/api/v1/shipments/${picked.id}/milestones`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ status: 'packed' }),
    });
    expect(ok.status).toBe(200);
    expect((await ok.json()).status).toBe('packed');
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(1);
    const hook = received[0];
    expect(hook.headers['x-wms-signature']).toBe(signWebhook('whsec-demo-123', hook.body));
    expect(Number(hook.headers['x-wms-timestamp'])).toBeGreaterThan(0);
    expect(hook.headers['x-wms-delivery-attempt']).toBe('2');
    const event = JSON.parse(hook.body);
    expect(event).toMatchObject({
      type: 'shipment.milestone',
      data: { shipment_id: picked.id, status: 'packed', order_number: picked.order_number },
    });
    const deliveries = await (await fetch(`${estate.wms.baseUrl}/__admin/webhook-deliveries`)).json();
    expect(deliveries[0]).toMatchObject({ delivered: true, attempts: 2 });
  });

  it('answers 503 during an outage', async () => {
    await fetch(`${estate.wms.baseUrl}/__admin/faults`, { method: 'POST', body: JSON.stringify({ next: ['outage'] }) });
    const res = await fetch(`${estate.wms.baseUrl}/api/v1/shipments?limit=1`, { headers: auth() });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('unavailable');
  });
});
