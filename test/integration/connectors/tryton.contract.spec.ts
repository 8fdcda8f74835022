import { randomBytes } from 'node:crypto';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { TrytonConnector } from '../../../backend/src/connectors/tryton/tryton.connector';
import { collect, describeConnectorContract } from './support/connector-contract';
import { FaultProxy } from './support/fault-proxy';
import { ensureCountry, ensureTryton, trytonCall } from './support/tryton-server';

const SEEDED = 120;
const PAGE = 25;
const run = `t${randomBytes(3).toString('hex')}`;

function trytonConnector(url: string, password: string, database: string) {
  return new TrytonConnector({
    id: 'erp',
    kind: 'tryton',
    baseUrl: url,
    auth: { type: 'none' },
    pageSize: PAGE,
    timeoutMs: 10_000,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    settings: {
      database,
      username: 'admin',
      password: new Secret(password, 'test'),
      // This run's parties only: the Tryton database is reused across runs.
      domains: { customer: [['code', 'like', `${run}-%`]] },
    },
  });
}

describeConnectorContract(
  'Tryton (real trytond)',
  { faults: ['throttle', 'outage', 'drop'], writes: true },
  async () => {
    const server = ensureTryton();
    const de = await ensureCountry(server, 'DE', 'Germany');
    const parties = Array.from({ length: SEEDED }, (_, i) => ({
      code: `${run}-${String(i).padStart(4, '0')}`,
      name: `${run} Customer ${i} GmbH`,
      addresses: [['create', [{ street: `Hauptstraße ${i}`, postal_code: '10115', city: 'Berlin', country: de }]]],
      contact_mechanisms: [
        [
          'create',
          [
            { type: 'email', value: `buyer${i}@${run}.example` },
            { type: 'phone', value: `030 555${String(i).padStart(4, '0')}` },
          ],
        ],
      ],
    }));
    await trytonCall(server, 'model.party.party.create', [parties, {}]);
    const proxy = new FaultProxy(server.url);
    await proxy.start();
    const connector = trytonConnector(proxy.url, server.password, server.database);
    let seeded = SEEDED;
    return {
      connector,
      entity: 'customer',
      get seeded() {
        return seeded;
      },
      pageSize: PAGE,
      async touch(key, field, value) {
        if (field !== 'legalName') throw new Error(`touch ${field}`);
        await trytonCall(server, 'model.party.party.write', [[Number(key)], { name: value }, {}]);
      },
      writable: { field: 'legalName', value: (n) => `${run} Renamed ${n} AG` },
      faults: {
        throttle: async () => proxy.next('throttle'),
        outage: async () => proxy.next('outage', 'outage'),
        // The first page request is cut off half-way through its body.
        drop: async () => proxy.next('drop'),
      },
      faultsHit: async () => proxy.injected.length,
      async malform() {
        // Real bad data a real ERP accepts: a party without a name and a phone nobody can dial.
        await trytonCall(server, 'model.party.party.create', [
          [
            { code: `${run}-bad-1` },
            {
              code: `${run}-bad-2`,
              name: `${run} Bad Phone`,
              contact_mechanisms: [['create', [{ type: 'phone', value: 'call me maybe' }]]],
            },
          ],
          {},
        ]);
        seeded += 2;
      },
      close: () => proxy.stop(),
    };
  },
);

describe('Tryton connector specifics', () => {
  it('maps addresses, contact mechanisms and country to canonical customers', async () => {
    const server = ensureTryton();
    const de = await ensureCountry(server, 'DE', 'Germany');
    const code = `${run}-x-1`;
    const [id] = (await trytonCall(server, 'model.party.party.create', [
      [
        {
          code,
          name: 'Specifics GmbH',
          addresses: [['create', [{ street: 'Alexanderplatz 1', postal_code: '10178', city: 'Berlin', country: de }]]],
          contact_mechanisms: [
            [
              'create',
              [
                { type: 'email', value: 'AP@Specifics.example' },
                { type: 'phone', value: '030 1234567' },
              ],
            ],
          ],
        },
      ],
      {},
    ])) as number[];
    const connector = trytonConnector(server.url, server.password, server.database);
    const [record] = await connector.read('customer', [String(id)]);
    expect(record.fields).toMatchObject({
      customerNumber: code,
      legalName: 'Specifics GmbH',
      country: 'DE',
      billingAddress: { line1: 'Alexanderplatz 1', city: 'Berlin', postalCode: '10178', country: 'DE' },
      email: 'ap@specifics.example',
      phone: '+49301234567',
      status: 'active',
    });
    expect(record.sourceUpdatedAt).toBeInstanceOf(Date);

    // Writes to the address and the phone go to Tryton's address and contact mechanism records.
    const result = await connector.apply(
      {
        entity: 'customer',
        sourceKey: String(id),
        changes: [
          { field: 'billingAddress.city', expectedOld: 'Berlin', newValue: 'Potsdam' },
          { field: 'phone', expectedOld: '+49301234567', newValue: '+49331765432' },
        ],
      },
      'specifics-1',
    );
    expect(result).toEqual({ outcome: 'applied' });
    const [after] = await connector.read('customer', [String(id)]);
    expect(after.fields.billingAddress.city).toBe('Potsdam');
    expect(after.fields.phone).toBe('+49331765432');
  });

  it('refuses a write that is not in the mapping as writable', async () => {
    const server = ensureTryton();
    const connector = trytonConnector(server.url, server.password, server.database);
    const { records } = await collect(connector.extract('customer', { mode: 'full' }));
    const result = await connector.apply(
      {
        entity: 'customer',
        sourceKey: records[0].sourceKey,
        changes: [{ field: 'country', expectedOld: 'DE', newValue: 'FR' }],
      },
      'specifics-2',
    );
    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('not writable') });
  });
});
