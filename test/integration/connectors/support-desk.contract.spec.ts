import type { RunningEstate } from '@driftwatch/demo-estate';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { SupportDeskConnector } from '../../../backend/src/connectors/support-desk/support-desk.connector';
import { collect, describeConnectorContract } from './support/connector-contract';
import { faultsInjected, mutate, queueFaults, startSmallEstate } from './support/estate-harness';

const PAGE = 50;

function supportDeskConnector(estate: RunningEstate) {
  return new SupportDeskConnector({
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
  });
}

describeConnectorContract(
  'Support desk (estate Zendesk)',
  { faults: ['throttle', 'outage', 'drop'], writes: true },
  async () => {
    const estate = await startSmallEstate(200);
    return {
      connector: supportDeskConnector(estate),
      entity: 'customer',
      seeded: estate.stores.support.organizations.size,
      pageSize: PAGE,
      async touch(key, field, value) {
        if (field !== 'legalName') throw new Error(`touch ${field}`);
        await mutate(estate, 'support', 'organizations', key, { name: value });
      },
      writable: { field: 'legalName', value: (n) => `Renamed Org ${n}` },
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
