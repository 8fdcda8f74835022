import { createHmac } from 'node:crypto';
import { connectorConfigSchema } from '../config/connectors-config';
import { Secret } from '../config/secret';
import { ChangeEventRejectedError } from '../connector';
import { ConnectorConfigError } from '../connector.errors';
import { WmsConnector } from './wms.connector';

const SECRET = 'whsec-unit-test-secret';
const NOW = Date.parse('2026-11-29T12:00:00Z');

const connector = (settings: Record<string, unknown> = { webhookSecret: new Secret(SECRET, 'env:TEST') }) =>
  new WmsConnector(
    connectorConfigSchema.parse({
      id: 'wms',
      kind: 'wms',
      baseUrl: 'http://127.0.0.1:9',
      auth: { type: 'api-key', header: 'x-api-key', key: new Secret('k', 'env:KEY') },
      settings,
    }),
  );

/** A delivery as the WMS signs it: HMAC over the body bytes, timestamp and event id in headers. */
function delivery(overrides: { body?: Record<string, unknown>; secret?: string; at?: number } = {}) {
  const body = Buffer.from(
    JSON.stringify({
      id: 'evt-1',
      type: 'shipment.milestone',
      occurred_at: new Date(NOW - 1000).toISOString(),
      data: { shipment_id: 'SHP-000042', status: 'packed' },
      ...overrides.body,
    }),
  );
  const headers = {
    'x-wms-signature': `sha256=${createHmac('sha256', overrides.secret ?? SECRET)
      .update(body)
      .digest('hex')}`,
    'x-wms-timestamp': String(Math.floor((overrides.at ?? NOW) / 1000)),
    'x-wms-event-id': String((overrides.body?.id as string | undefined) ?? 'evt-1'),
  };
  return { body, headers };
}

function refusal(fn: () => unknown): { kind: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChangeEventRejectedError) return { kind: error.kind, message: error.message };
    throw error;
  }
  throw new Error('expected a ChangeEventRejectedError');
}

describe('WmsConnector.parseChangeEvent', () => {
  it('names the shipment of an authentic shipment.milestone webhook', () => {
    const { body, headers } = delivery();
    expect(connector().parseChangeEvent(body, headers, NOW)).toEqual({
      eventId: 'evt-1',
      entity: 'shipment',
      keys: ['SHP-000042'],
    });
  });

  it('refuses as not authentic: wrong secret, missing header, stale timestamp, foreign event id, old event', () => {
    const wms = connector();
    const wrongSecret = delivery({ secret: 'other-secret' });
    expect(refusal(() => wms.parseChangeEvent(wrongSecret.body, wrongSecret.headers, NOW)).kind).toBe('signature');

    const ok = delivery();
    const { 'x-wms-timestamp': _dropped, ...noTimestamp } = ok.headers;
    expect(refusal(() => wms.parseChangeEvent(ok.body, noTimestamp, NOW)).message).toMatch(/missing_headers/);

    const stale = delivery({ at: NOW - 10 * 60_000 });
    expect(refusal(() => wms.parseChangeEvent(stale.body, stale.headers, NOW)).message).toMatch(/stale/);

    const renamed = { ...ok.headers, 'x-wms-event-id': 'evt-2' };
    expect(refusal(() => wms.parseChangeEvent(ok.body, renamed, NOW)).message).toMatch(/not the signed event id/);

    // Re-stamped with a fresh timestamp, but the signed occurred_at gives its age away.
    const old = delivery({ body: { occurred_at: new Date(NOW - 25 * 3600_000).toISOString() } });
    expect(refusal(() => wms.parseChangeEvent(old.body, old.headers, NOW)).message).toMatch(/replay window/);

    // A byte changed after signing (whitespace only) is a different body.
    const spaced = Buffer.from(ok.body.toString().replace('"type"', ' "type"'));
    expect(refusal(() => wms.parseChangeEvent(spaced, ok.headers, NOW)).kind).toBe('signature');
  });

  it('refuses a signed body that is not a WMS change event as a bad payload', () => {
    const wms = connector();
    for (const body of [{ type: 'order.created' }, { data: {} }, { occurred_at: 'yesterday' }]) {
      const d = delivery({ body });
      expect(refusal(() => wms.parseChangeEvent(d.body, d.headers, NOW)).kind).toBe('payload');
    }
    const notJson = Buffer.from('not json');
    const headers = {
      ...delivery().headers,
      'x-wms-signature': `sha256=${createHmac('sha256', SECRET).update(notJson).digest('hex')}`,
    };
    expect(refusal(() => connector().parseChangeEvent(notJson, headers, NOW))).toEqual({
      kind: 'payload',
      message: 'webhook body is not JSON',
    });
  });

  it('takes change events only with settings.webhookSecret, and only as an env reference', () => {
    expect(connector().capabilities.changeEvents).toBe(true);
    expect(connector({}).capabilities.changeEvents).toBe(false);
    expect(() => connector({ webhookSecret: 'inline-secret' })).toThrow(ConnectorConfigError);
    // An empty (or guessable short) key would let anyone sign events.
    expect(() => connector({ webhookSecret: new Secret('', 'env:EMPTY') })).toThrow(/at least 16 characters/);
  });
});
