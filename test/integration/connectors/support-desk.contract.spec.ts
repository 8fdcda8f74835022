import type { RunningEstate } from '@driftwatch/demo-estate';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { SupportDeskConnector } from '../../../backend/src/connectors/support-desk/support-desk.connector';
import { collect, describeConnectorContract } from './support/connector-contract';
import { faultsInjected, mutate, queueFaults, startSmallEstate } from './support/estate-harness';
import { racingFetch } from './support/racing-fetch';

const PAGE = 50;
/** Organization fields of the canonical customer fields the contract touches. */
const SOURCE_FIELDS: Record<string, string> = { legalName: 'name', 'billingAddress.line1': 'details' };

function supportDeskConnector(estate: RunningEstate, fetchImpl?: typeof fetch) {
  return new SupportDeskConnector(
    {
      id: 'support',
      kind: 'support-desk',
      baseUrl: estate.support.baseUrl,
      auth: {
        type: 'basic',
        username: `${estate.support.email}/token`,
        password: new Secret(estate.support.apiToken, 'test'),
      },
      pageSize: PAGE,
      timeoutMs: 10_000,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      settings: {},
    },
    { fetch: fetchImpl },
  );
}

describeConnectorContract(
  'Support desk (estate Zendesk)',
  // Organization updates take no precondition (see SupportDeskConnector): an edit racing a write is lost.
  { faults: ['throttle', 'outage', 'drop'], writes: true, unguardedWrites: true },
  async () => {
    const estate = await startSmallEstate(200);
    return {
      connector: supportDeskConnector(estate),
      entity: 'customer',
      seeded: estate.stores.support.organizations.size,
      pageSize: PAGE,
      async touch(key, field, value) {
        const sourceField = SOURCE_FIELDS[field];
        if (!sourceField) throw new Error(`touch ${field}`);
        await mutate(estate, 'support', 'organizations', key, { [sourceField]: value });
      },
      writable: { field: 'legalName', value: (n) => `Renamed Org ${n}` },
      sibling: { field: 'billingAddress.line1', value: (n) => `Sibling Street ${n}` },
      racing: (edit) =>
        supportDeskConnector(
          estate,
          racingFetch((_, init) => init?.method === 'PUT', edit),
        ),
      faults: {
        throttle: () => queueFaults(estate, 'support', ['throttle']),
        outage: () => queueFaults(estate, 'support', ['outage', 'outage']),
        drop: () => queueFaults(estate, 'support', ['drop']),
      },
      faultsHit: () => faultsInjected(estate, 'support'),
      malform: () => queueFaults(estate, 'support', ['malformed']),
      close: () => estate.stop(),
    };
  },
);

describe('Support desk connector specifics', () => {
  let estate: RunningEstate;
  beforeAll(async () => {
    estate = await startSmallEstate(60);
  });
  afterAll(async () => {
    await estate.stop();
  });

  it('exports tickets in full and incrementally through the cursor export', async () => {
    const connector = supportDeskConnector(estate);
    const all = await collect(connector.extract('ticket', { mode: 'full' }));
    expect(all.records.length).toBe(estate.stores.support.tickets.size);
    expect(all.rejects).toBe(0);
    expect(all.records[0].fields).toMatchObject({ status: expect.any(String), organizationKey: expect.any(String) });
    const since = new Date(Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 1100));
    const ticket = all.records[0].sourceKey;
    await mutate(estate, 'support', 'tickets', ticket, { status: 'solved' });
    const delta = await collect(connector.extract('ticket', { mode: 'incremental', since }));
    expect(delta.keys).toEqual([ticket]);
    expect(delta.records[0].fields.status).toBe('solved');
  });
});
