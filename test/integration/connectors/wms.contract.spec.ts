import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import { Secret } from '../../../backend/src/connectors/config/secret';
import {
  WebhookSignatureVerifier,
  type WebhookVerdict,
} from '../../../backend/src/connectors/wms/webhook-signature.verifier';
import { WmsConnector } from '../../../backend/src/connectors/wms/wms.connector';
import { describeConnectorContract } from './support/connector-contract';
import { faultsInjected, mutate, queueFaults, startSmallEstate } from './support/estate-harness';
import { racingFetch } from './support/racing-fetch';

const PAGE = 50;
const MILESTONES = ['picked', 'packed', 'shipped', 'delivered'];
/** Shipment fields of the canonical fields the contract touches. */
const SOURCE_FIELDS: Record<string, string> = { milestone: 'status', carrier: 'carrier' };

function wmsConnector(estate: RunningEstate, fetchImpl?: typeof fetch) {
  return new WmsConnector(
    {
      id: 'wms',
      kind: 'wms',
      baseUrl: estate.wms.baseUrl,
      auth: { type: 'api-key', header: 'x-api-key', key: new Secret(estate.wms.apiKey, 'test') },
      pageSize: PAGE,
      timeoutMs: 10_000,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      settings: {},
    },
    { fetch: fetchImpl },
  );
}

describeConnectorContract('WMS (estate REST)', { faults: ['throttle', 'outage', 'drop'], writes: true }, async () => {
  const estate = await startSmallEstate(120);
  return {
    connector: wmsConnector(estate),
    entity: 'shipment',
    seeded: estate.stores.wms.shipments.size,
    pageSize: PAGE,
    async touch(key, field, value) {
      const sourceField = SOURCE_FIELDS[field];
      if (!sourceField) throw new Error(`touch ${field}`);
      await mutate(estate, 'wms', 'shipments', key, { [sourceField]: value });
    },
    async prepareWrite(key) {
      await mutate(estate, 'wms', 'shipments', key, {
        status: 'picked',
        milestones: [{ status: 'picked', at: new Date().toISOString() }],
      });
    },
    writable: { field: 'milestone', value: (n) => MILESTONES[n % 4] },
    sibling: { field: 'carrier', value: (n) => `Sibling Carrier ${n}` },
    racing: (edit) =>
      wmsConnector(
        estate,
        racingFetch((_, init) => init?.method === 'POST', edit),
      ),
    faults: {
      throttle: () => queueFaults(estate, 'wms', ['throttle']),
      outage: () => queueFaults(estate, 'wms', ['outage', 'outage']),
      drop: () => queueFaults(estate, 'wms', ['drop']),
    },
    faultsHit: () => faultsInjected(estate, 'wms'),
    malform: () => queueFaults(estate, 'wms', ['malformed']),
    close: () => estate.stop(),
  };
});

describe('WMS webhook signature verifier', () => {
  it('accepts the estate WMS’s real signed deliveries and refuses forged, stale and replayed ones', async () => {
    const secret = 'whsec-test';
    const verifier = new WebhookSignatureVerifier({ secret, toleranceSeconds: 300 });
    const received: {
      body: string;
      headers: Record<string, string | string[] | undefined>;
      verdict: WebhookVerdict;
    }[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ body, headers: req.headers, verdict: verifier.verify(body, req.headers) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/wms`;
    const estate = await startEstate({ customers: 30, seed: 3, wmsWebhooks: [{ url, secret }] });
    try {
      const shipment = [...estate.stores.wms.shipments.rowsInOrder()].find((r) => r.record.status !== 'delivered')!;
      const next = MILESTONES[MILESTONES.indexOf(shipment.record.status) + 1];
      const response = await fetch(`${estate.wms.baseUrl}/api/v1/shipments/${shipment.record.id}/milestones`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': estate.wms.apiKey },
        body: JSON.stringify({ status: next }),
      });
      expect(response.ok).toBe(true);
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(received[0]?.verdict).toEqual({ ok: true, eventId: expect.any(String) });

      const { body, headers } = received[0];
      expect(verifier.verify(body, headers)).toEqual({ ok: false, reason: 'replayed' });
      expect(verifier.verify(body.replace(next, 'delivered'), headers)).toEqual({ ok: false, reason: 'bad_signature' });
      expect(verifier.verify(body, { ...headers, 'x-wms-signature': 'sha256=00' })).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
      const stale = String(Math.floor(Date.now() / 1000) - 3600);
      expect(new WebhookSignatureVerifier({ secret }).verify(body, { ...headers, 'x-wms-timestamp': stale })).toEqual({
        ok: false,
        reason: 'stale',
      });
      expect(new WebhookSignatureVerifier({ secret: 'other' }).verify(body, headers)).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
      expect(verifier.verify(body, {})).toEqual({ ok: false, reason: 'missing_headers' });
    } finally {
      await estate.stop();
      await new Promise((r) => receiver.close(r));
    }
  });
});
