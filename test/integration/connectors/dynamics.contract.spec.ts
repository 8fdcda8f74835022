import type { RunningEstate } from '@driftwatch/demo-estate';
import { DynamicsConnector } from '../../../backend/src/connectors/dynamics/dynamics.connector';
import { collect, describeConnectorContract } from './support/connector-contract';
import { faultsInjected, mutate, queueFaults, startSmallEstate } from './support/estate-harness';
import { racingFetch } from './support/racing-fetch';
import { erpAuth } from '../support/estate-auth';

const PAGE = 50;
/** CustomersV3 fields of the canonical customer fields the contract touches. */
const SOURCE_FIELDS: Record<string, string> = { legalName: 'OrganizationName', email: 'PrimaryContactEmail' };

function dynamicsConnector(estate: RunningEstate, settings: Record<string, unknown> = {}, fetchImpl?: typeof fetch) {
  return new DynamicsConnector(
    {
      id: 'erp',
      kind: 'dynamics',
      baseUrl: estate.erp.baseUrl,
      auth: erpAuth(estate),
      pageSize: PAGE,
      timeoutMs: 10_000,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      settings,
    },
    { fetch: fetchImpl },
  );
}

/** The estate's admin key of a customer account: `<dataAreaId>|<account>`. */
function erpKeyOf(estate: RunningEstate, entity: string, account: string): string {
  for (const row of estate.stores.erp.table(entity).rowsInOrder()) {
    const r = row.record;
    if (r.CustomerAccount === account) return `${String(r.dataAreaId)}|${account}`;
  }
  throw new Error(`no ${entity} ${account}`);
}

describeConnectorContract(
  'Dynamics 365 F&O (estate ERP)',
  { faults: ['throttle', 'outage', 'drop'], writes: true },
  async () => {
    const estate = await startSmallEstate(450);
    const connector = dynamicsConnector(estate);
    return {
      connector,
      entity: 'customer',
      // Every legal entity: the connector reads cross-company.
      seeded: estate.stores.erp.table('CustomersV3').size,
      pageSize: PAGE,
      async touch(key, field, value) {
        const sourceField = SOURCE_FIELDS[field];
        if (!sourceField) throw new Error(`touch ${field}`);
        await mutate(estate, 'erp', 'CustomersV3', erpKeyOf(estate, 'CustomersV3', key), { [sourceField]: value });
      },
      writable: { field: 'legalName', value: (n) => `Renamed Customer ${n} Inc` },
      sibling: { field: 'email', value: (n) => `sibling${n}@contract.example` },
      racing: (edit) =>
        dynamicsConnector(
          estate,
          {},
          racingFetch((_, init) => init?.method === 'PATCH', edit),
        ),
      faults: {
        throttle: () => queueFaults(estate, 'erp', ['throttle']),
        outage: () => queueFaults(estate, 'erp', ['outage', 'outage']),
        drop: () => queueFaults(estate, 'erp', ['drop']),
      },
      faultsHit: () => faultsInjected(estate, 'erp'),
      malform: () => queueFaults(estate, 'erp', ['malformed']),
      close: () => estate.stop(),
    };
  },
);

describe('Dynamics connector specifics', () => {
  let estate: RunningEstate;
  beforeAll(async () => {
    estate = await startSmallEstate(150);
  });
  afterAll(async () => {
    await estate.stop();
  });

  it('maps customers, their credit terms and sales orders (status from two F&O fields)', async () => {
    const connector = dynamicsConnector(estate);
    const customers = await collect(connector.extract('customer', { mode: 'full' }));
    const credit = await collect(connector.extract('credit_profile', { mode: 'full' }));
    const orders = await collect(connector.extract('order', { mode: 'full' }));
    expect(customers.rejects + credit.rejects + orders.rejects).toBe(0);
    expect(customers.records[0].fields.country).toMatch(/^[A-Z]{2}$/);
    expect(customers.records[0].fields.phone).toMatch(/^\+\d+$/);
    expect(credit.records[0].fields).toMatchObject({
      creditHold: expect.any(Boolean),
      creditLimit: expect.any(Number),
    });
    // The ERP owns payment terms: every credit profile carries them, in the canonical codes.
    for (const r of credit.records) expect(r.fields.paymentTerms).toMatch(/^(NET\d+|COD|PREPAID)$/);
    const statuses = new Set(orders.records.map((r) => r.fields.status));
    for (const s of statuses)
      expect(['draft', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled']).toContain(s);
  });

  it("maps customers' contact persons to canonical contacts of their customer, and writes the CRM's title back", async () => {
    const connector = dynamicsConnector(estate);
    const contacts = await collect(connector.extract('contact', { mode: 'full' }));
    expect(contacts.rejects).toBe(0);
    expect(contacts.records.length).toBe(estate.stores.erp.table('CDSContactPersonsV2').size);
    const accounts = new Set(
      [...estate.stores.erp.table('CustomersV3').rowsInOrder()].map((r) => String(r.record.CustomerAccount)),
    );
    for (const c of contacts.records) {
      expect(c.sourceKey).toMatch(/^CP\d{8}$/);
      expect(c.fields.email).toMatch(/^[a-z0-9.]+@[a-z0-9.-]+$/);
      expect(c.fields.phone).toMatch(/^\+\d+$/);
      expect(c.fields.customerKey).toBe(c.fields.customerNumber);
      expect(accounts.has(c.fields.customerKey)).toBe(true);
    }
    const target = contacts.records[2];
    const change = {
      entity: 'contact' as const,
      sourceKey: target.sourceKey,
      changes: [{ field: 'title', expectedOld: target.fields.title, newValue: 'Head of Procurement' }],
    };
    expect((await connector.apply(change, 'contact-title-1')).outcome).toBe('applied');
    const [after] = await connector.read('contact', [target.sourceKey]);
    expect(after.fields).toMatchObject({ title: 'Head of Procurement', email: target.fields.email });
    // A replay under another key finds the value in place.
    expect((await connector.apply(change, 'contact-title-2')).outcome).toBe('already_applied');
  });

  it('writes with If-Match: an edit between read and write answers 412 and is reported as a conflict', async () => {
    const connector = dynamicsConnector(estate);
    const { records } = await collect(connector.extract('credit_profile', { mode: 'full' }));
    const target = records[1];
    // Race: the ERP user edits the limit after the connector read the ETag but before its PATCH lands.
    const racing = dynamicsConnector(
      estate,
      {},
      racingFetch(
        (_, init) => init?.method === 'PATCH',
        () =>
          mutate(estate, 'erp', 'CustomersV3', erpKeyOf(estate, 'CustomersV3', target.sourceKey), { CreditLimit: 1 }),
      ),
    );
    const result = await racing.apply(
      {
        entity: 'credit_profile',
        sourceKey: target.sourceKey,
        changes: [
          { field: 'creditLimit', expectedOld: target.fields.creditLimit, newValue: target.fields.creditLimit + 1000 },
        ],
      },
      'race-1',
    );
    expect(result.outcome).toBe('conflict');
    const [after] = await connector.read('credit_profile', [target.sourceKey]);
    expect(after.fields.creditLimit).toBe(1);
  });

  it('writes credit hold back as CustomersV3 OnHoldStatus Invoice, leaving the customer active', async () => {
    const connector = dynamicsConnector(estate);
    const { records } = await collect(connector.extract('credit_profile', { mode: 'full' }));
    const target = records.find((r) => !r.fields.creditHold)!;
    const result = await connector.apply(
      {
        entity: 'credit_profile',
        sourceKey: target.sourceKey,
        changes: [{ field: 'creditHold', expectedOld: false, newValue: true }],
      },
      'hold-1',
    );
    expect(result).toEqual({ outcome: 'applied' });
    const raw = (await (
      await fetch(
        `${estate.erp.baseUrl}/__admin/record?entity=CustomersV3&key=${erpKeyOf(estate, 'CustomersV3', target.sourceKey)}`,
      )
    ).json()) as Record<string, unknown>;
    expect(JSON.stringify(raw)).toContain('"OnHoldStatus":"Invoice"');
    const [customer] = await connector.read('customer', [target.sourceKey]);
    expect(customer.fields.status).toBe('active');
  });

  it('refuses to lift a credit hold on a customer blocked for all transactions (it would unblock it)', async () => {
    const connector = dynamicsConnector(estate);
    const blocked = (await collect(connector.extract('customer', { mode: 'full' }))).records.find(
      (r) => r.fields.status === 'blocked',
    )!;
    const [credit] = await connector.read('credit_profile', [blocked.sourceKey]);
    expect(credit.fields.creditHold).toBe(true);
    const result = await connector.apply(
      {
        entity: 'credit_profile',
        sourceKey: blocked.sourceKey,
        changes: [{ field: 'creditHold', expectedOld: true, newValue: false }],
      },
      'unhold-blocked-1',
    );
    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('customer status') });
    const [after] = await connector.read('customer', [blocked.sourceKey]);
    expect(after.fields.status).toBe('blocked');
  });

  it('extracts every legal entity by default, or only the configured companies', async () => {
    const all = await collect(dynamicsConnector(estate).extract('customer', { mode: 'full' }));
    const table = estate.stores.erp.table('CustomersV3');
    expect(all.records).toHaveLength(table.size);
    expect(all.batches[0].total).toBe(table.size);
    const expected = (companies: string[]) =>
      [...table.rowsInOrder()].filter((r) => companies.includes(String(r.record.dataAreaId))).length;
    const two = await collect(
      dynamicsConnector(estate, { companies: ['GBSI', 'demf'] }).extract('customer', { mode: 'full' }),
    );
    expect(two.records).toHaveLength(expected(['gbsi', 'demf']));
    expect(two.batches[0].total).toBe(expected(['gbsi', 'demf']));
    const legacy = await collect(dynamicsConnector(estate, { company: 'usmf' }).extract('customer', { mode: 'full' }));
    expect(legacy.records).toHaveLength(expected(['usmf']));
    expect(() => dynamicsConnector(estate, { company: 'usmf', companies: ['usmf'] })).toThrow(/companies or company/);
  });

  it('writes a customer of a non-default legal entity through its full key', async () => {
    const connector = dynamicsConnector(estate);
    const row = [...estate.stores.erp.table('CustomersV3').rowsInOrder()].find((r) => r.record.dataAreaId === 'frrt')!;
    const account = String(row.record.CustomerAccount);
    const result = await connector.apply(
      {
        entity: 'customer',
        sourceKey: account,
        changes: [{ field: 'legalName', expectedOld: row.record.OrganizationName, newValue: 'Cross Company SAS' }],
      },
      'cross-company-1',
    );
    expect(result).toEqual({ outcome: 'applied' });
    expect(estate.stores.erp.table('CustomersV3').get(`frrt|${account.toLowerCase()}`)!.record.OrganizationName).toBe(
      'Cross Company SAS',
    );
    // A connector limited to other companies does not see it, so cannot write it.
    const limited = dynamicsConnector(estate, { companies: ['usmf'] });
    const refused = await limited.apply(
      {
        entity: 'customer',
        sourceKey: account,
        changes: [{ field: 'legalName', expectedOld: 'Cross Company SAS', newValue: 'Elsewhere SAS' }],
      },
      'cross-company-2',
    );
    expect(refused.outcome).toBe('rejected');
  });
});
