import type { RunningEstate } from '@driftwatch/demo-estate';
import type { EntityKind } from '../../../backend/src/connectors/canonical-model';
import { SalesforceConnector } from '../../../backend/src/connectors/salesforce/salesforce.connector';
import { collect, describeConnectorContract } from './support/connector-contract';
import { faultsInjected, mutate, queueFaults, startSmallEstate } from './support/estate-harness';
import { racingFetch } from './support/racing-fetch';
import { crmAuth } from '../support/estate-auth';

const PAGE = 200; // Salesforce's smallest query batch

function salesforceConnector(estate: RunningEstate, fetchImpl?: typeof fetch) {
  return new SalesforceConnector(
    {
      id: 'crm',
      kind: 'salesforce',
      baseUrl: estate.crm.baseUrl,
      auth: crmAuth(estate),
      pageSize: PAGE,
      timeoutMs: 10_000,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      settings: {},
    },
    { fetch: fetchImpl },
  );
}

async function writesOf(estate: RunningEstate): Promise<number> {
  return ((await (await fetch(`${estate.crm.baseUrl}/__admin/stats`)).json()) as { writes: number }).writes;
}

/**
 * The contract on one CRM object of a fresh estate: `field` touched through the object's `sourceField`,
 * faults served by the estate CRM (every object shares its fault queue).
 */
function describeCrmObjectContract(
  name: string,
  object: {
    entity: EntityKind;
    sobject: 'Account' | 'Shipment__c';
    /** Records of the object the estate seeds. */
    seeded: (estate: RunningEstate) => number;
    field: string;
    sourceField: string;
    value: (n: number) => string;
    /** Another field of the object, edited while a write of `field` is in flight. */
    sibling: { field: string; sourceField: string; value: (n: number) => string };
    /** If-Unmodified-Since (every object but Account, whose writes carry If-Match): whole seconds. */
    preconditionGranularityMs?: number;
  },
): void {
  describeConnectorContract(name, { faults: ['throttle', 'outage', 'drop'], writes: true }, async () => {
    const estate = await startSmallEstate(650);
    return {
      connector: salesforceConnector(estate),
      entity: object.entity,
      seeded: object.seeded(estate),
      pageSize: PAGE,
      async touch(key, field, value) {
        const sourceFields: Record<string, string> = {
          [object.field]: object.sourceField,
          [object.sibling.field]: object.sibling.sourceField,
        };
        const sourceField = sourceFields[field];
        if (!sourceField) throw new Error(`touch ${field}`);
        await mutate(estate, 'crm', object.sobject, key, { [sourceField]: value });
      },
      writable: { field: object.field, value: object.value },
      sibling: { field: object.sibling.field, value: object.sibling.value },
      // Account writes PATCH the record (If-Match); the others go through /composite (If-Unmodified-Since).
      racing: (edit) =>
        salesforceConnector(
          estate,
          racingFetch(
            (url, init) =>
              (init?.method === 'PATCH' && url.includes('/sobjects/')) ||
              (init?.method === 'POST' && url.endsWith('/composite')),
            edit,
          ),
        ),
      preconditionGranularityMs: object.preconditionGranularityMs,
      faults: {
        throttle: () => queueFaults(estate, 'crm', ['throttle']),
        outage: () => queueFaults(estate, 'crm', ['outage', 'outage']),
        drop: () => queueFaults(estate, 'crm', ['drop']),
      },
      faultsHit: () => faultsInjected(estate, 'crm'),
      malform: () => queueFaults(estate, 'crm', ['malformed']),
      close: () => estate.stop(),
    };
  });
}

describeCrmObjectContract('Salesforce (estate CRM)', {
  entity: 'customer',
  sobject: 'Account',
  seeded: (estate) => estate.stores.crm.accounts.size,
  field: 'legalName',
  sourceField: 'Name',
  value: (n) => `Renamed Account ${n} Ltd`,
  sibling: { field: 'email', sourceField: 'Email__c', value: (n) => `sibling${n}@contract.example` },
});

describeCrmObjectContract('Salesforce Shipment__c (estate CRM)', {
  entity: 'shipment',
  sobject: 'Shipment__c',
  seeded: (estate) => estate.stores.crm.shipments.size,
  field: 'trackingNumber',
  sourceField: 'Tracking_Number__c',
  value: (n) => `1ZCONTRACT${String(n).padStart(8, '0')}`,
  sibling: { field: 'carrier', sourceField: 'Carrier__c', value: (n) => `Sibling Carrier ${n}` },
  preconditionGranularityMs: 1000,
});

describe('Salesforce connector specifics', () => {
  let estate: RunningEstate;
  beforeAll(async () => {
    estate = await startSmallEstate(120);
  });
  afterAll(async () => {
    await estate.stop();
  });

  it('maps accounts, credit profiles, contacts and opportunities into the canonical model', async () => {
    const connector = salesforceConnector(estate);
    const customers = await collect(connector.extract('customer', { mode: 'full' }));
    const credit = await collect(connector.extract('credit_profile', { mode: 'full' }));
    const contacts = await collect(connector.extract('contact', { mode: 'full' }));
    const orders = await collect(connector.extract('order', { mode: 'full' }));
    expect(customers.rejects + credit.rejects + contacts.rejects + orders.rejects).toBe(0);
    const c = customers.records[0].fields;
    expect(c.country).toMatch(/^[A-Z]{2}$/);
    expect(c.phone).toMatch(/^\+\d{8,15}$/);
    expect(c.customerNumber).not.toBe('');
    expect(credit.records.map((r) => r.fields.paymentTerms)).toEqual(expect.arrayContaining(['NET30']));
    expect(contacts.records[0].fields.customerNumber).not.toBe('');
    expect(contacts.records.every((r) => r.fields.phone === '' || r.fields.phone.startsWith('+'))).toBe(true);
    expect(orders.records[0].fields).toMatchObject({ orderNumber: expect.any(String), status: expect.any(String) });
  });

  it('maps Shipment__c into shipments as the WMS has them, the order number through the Opportunity', async () => {
    const connector = salesforceConnector(estate);
    const shipments = await collect(connector.extract('shipment', { mode: 'full' }));
    expect(shipments.rejects).toBe(0);
    expect(shipments.records).toHaveLength(estate.stores.wms.shipments.size);
    for (const { sourceKey, sourceUpdatedAt, fields } of shipments.records) {
      const copy = estate.stores.crm.shipments.get(sourceKey)!;
      const wms = estate.stores.wms.shipments.get(String(copy.record.Name))!.record;
      expect(fields).toEqual({
        orderNumber: wms.order_number,
        milestone: wms.status,
        milestoneAt: new Date(wms.milestones[wms.milestones.length - 1].at),
        carrier: wms.carrier,
        trackingNumber: wms.tracking_number,
      });
      expect(sourceUpdatedAt).toEqual(new Date(copy.modifiedAt));
    }
    // The CRM's milestone time is the warehouse's: when the CRM got a milestone is the record's stamp.
    expect(connector.transitionsAt('shipment')).toBe('updatedAt');
    expect(connector.transitionsAt('order')).toBe('statusTime');
  });

  it('writes a shipment milestone, its time and tracking number in the CRM vocabulary', async () => {
    const connector = salesforceConnector(estate);
    const { records } = await collect(connector.extract('shipment', { mode: 'full' }));
    const target = records.find((r) => r.fields.milestone === 'shipped')!;
    const deliveredAt = new Date(target.fields.milestoneAt!.getTime() + 86_400_000);
    const result = await connector.apply(
      {
        entity: 'shipment',
        sourceKey: target.sourceKey,
        changes: [
          { field: 'milestone', expectedOld: 'shipped', newValue: 'delivered' },
          { field: 'milestoneAt', expectedOld: target.fields.milestoneAt, newValue: deliveredAt },
          { field: 'trackingNumber', expectedOld: target.fields.trackingNumber, newValue: '1ZFIXED0000000001' },
        ],
      },
      'shipment-delivered',
    );
    expect(result).toEqual({ outcome: 'applied' });
    const stored = estate.stores.crm.shipments.get(target.sourceKey)!.record;
    expect(stored).toMatchObject({ Milestone__c: 'Delivered', Tracking_Number__c: '1ZFIXED0000000001' });
    expect(Date.parse(String(stored.Milestone_Date__c))).toBe(deliveredAt.getTime());
    const [after] = await connector.read('shipment', [target.sourceKey]);
    expect(after.fields).toMatchObject({ milestone: 'delivered', milestoneAt: deliveredAt });
  });

  it('applyMany: a Shipment__c edited between the bulk read and /composite is a conflict', async () => {
    const { records } = await collect(salesforceConnector(estate).extract('shipment', { mode: 'full' }));
    const [edited, untouched] = records.filter((r) => r.fields.milestone === 'picked');
    const racing = salesforceConnector(
      estate,
      racingFetch(
        (url, init) => init?.method === 'POST' && url.endsWith('/composite'),
        () => mutate(estate, 'crm', 'Shipment__c', edited.sourceKey, { Milestone__c: 'Delivered' }),
      ),
    );
    const packed = (r: (typeof records)[number]) => ({
      entity: 'shipment' as const,
      sourceKey: r.sourceKey,
      changes: [{ field: 'milestone', expectedOld: 'picked', newValue: 'packed' }],
    });
    const results = await racing.applyMany([
      { change: packed(edited), idempotencyKey: 'race-s1' },
      { change: packed(untouched), idempotencyKey: 'race-s2' },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['conflict', 'applied']);
    expect(results[0].currentValues).toEqual({ milestone: 'delivered' });
    const after = await salesforceConnector(estate).read('shipment', [edited.sourceKey, untouched.sourceKey]);
    expect(Object.fromEntries(after.map((r) => [r.sourceKey, r.fields.milestone]))).toEqual({
      [edited.sourceKey]: 'delivered',
      [untouched.sourceKey]: 'packed',
    });
  });

  it('writes many changes through one composite call with a result per record', async () => {
    const connector = salesforceConnector(estate);
    const { records } = await collect(connector.extract('credit_profile', { mode: 'full' }));
    const [a, b] = records;
    await fetch(`${estate.crm.baseUrl}/__admin/stats/reset`, { method: 'POST' });
    const results = await connector.applyMany([
      {
        change: {
          entity: 'credit_profile',
          sourceKey: a.sourceKey,
          changes: [{ field: 'creditHold', expectedOld: a.fields.creditHold, newValue: !a.fields.creditHold }],
        },
        idempotencyKey: 'k1',
      },
      {
        change: {
          entity: 'credit_profile',
          sourceKey: b.sourceKey,
          changes: [{ field: 'paymentTerms', expectedOld: b.fields.paymentTerms, newValue: 'NET60' }],
        },
        idempotencyKey: 'k2',
      },
      {
        change: {
          entity: 'credit_profile',
          sourceKey: b.sourceKey,
          changes: [{ field: 'creditLimit', expectedOld: -1, newValue: 5 }],
        },
        idempotencyKey: 'k3',
      },
    ]);
    expect(results.map((r) => r.outcome)).toEqual([
      'applied',
      b.fields.paymentTerms === 'NET60' ? 'already_applied' : 'applied',
      'conflict',
    ]);
    const stats = (await (await fetch(`${estate.crm.baseUrl}/__admin/stats`)).json()) as { writes: number };
    expect(stats.writes).toBe(b.fields.paymentTerms === 'NET60' ? 1 : 2);
    const account = (await (
      await fetch(`${estate.crm.baseUrl}/__admin/record?entity=Account&key=${b.sourceKey}`)
    ).json()) as Record<string, unknown>;
    expect(account.Payment_Terms__c).toBe('Net 60');
  });

  it('refreshes an expired token once and carries on', async () => {
    const connector = salesforceConnector(estate);
    await connector.health();
    await fetch(`${estate.crm.baseUrl}/__admin/expire-tokens`, { method: 'POST' });
    const { records } = await collect(connector.extract('customer', { mode: 'full' }));
    expect(records.length).toBeGreaterThan(0);
  });

  it('an Account edited between read and write answers 412 to If-Match and is reported as a conflict', async () => {
    const { records } = await collect(salesforceConnector(estate).extract('customer', { mode: 'full' }));
    const target = records[7];
    const racing = salesforceConnector(
      estate,
      racingFetch(
        (url, init) => init?.method === 'PATCH' && url.includes(`/sobjects/Account/${target.sourceKey}`),
        () => mutate(estate, 'crm', 'Account', target.sourceKey, { Name: 'Edited Meanwhile Ltd' }),
      ),
    );
    const result = await racing.apply(
      {
        entity: 'customer',
        sourceKey: target.sourceKey,
        changes: [{ field: 'legalName', expectedOld: target.fields.legalName, newValue: 'Fixed Name Ltd' }],
      },
      'race-account',
    );
    expect(result.outcome).toBe('conflict');
    expect(result.currentValues).toEqual({ legalName: 'Edited Meanwhile Ltd' });
    const [after] = await salesforceConnector(estate).read('customer', [target.sourceKey]);
    expect(after.fields.legalName).toBe('Edited Meanwhile Ltd');
  });

  it('applyMany: a Contact edited between the bulk read and /composite fails its If-Unmodified-Since only', async () => {
    const { records } = await collect(salesforceConnector(estate).extract('contact', { mode: 'full' }));
    const [edited, untouched] = [records[3], records[4]];
    const racing = salesforceConnector(
      estate,
      racingFetch(
        (url, init) => init?.method === 'POST' && url.endsWith('/composite'),
        () => mutate(estate, 'crm', 'Contact', edited.sourceKey, { Title: 'Changed Meanwhile' }),
      ),
    );
    const change = (r: (typeof records)[number], title: string) => ({
      entity: 'contact' as const,
      sourceKey: r.sourceKey,
      changes: [{ field: 'title', expectedOld: r.fields.title, newValue: title }],
    });
    await fetch(`${estate.crm.baseUrl}/__admin/stats/reset`, { method: 'POST' });
    const results = await racing.applyMany([
      { change: change(edited, 'Head of Purchasing'), idempotencyKey: 'race-c1' },
      { change: change(untouched, 'Head of Purchasing'), idempotencyKey: 'race-c2' },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['conflict', 'applied']);
    expect(await writesOf(estate)).toBe(1); // ours; admin edits are not counted
    const after = await salesforceConnector(estate).read('contact', [edited.sourceKey, untouched.sourceKey]);
    expect(Object.fromEntries(after.map((r) => [r.sourceKey, r.fields.title]))).toEqual({
      [edited.sourceKey]: 'Changed Meanwhile',
      [untouched.sourceKey]: 'Head of Purchasing',
    });
  });

  it('a write whose answer was lost is retried, meets 412, and is recognised as already in', async () => {
    const { records } = await collect(salesforceConnector(estate).extract('customer', { mode: 'full' }));
    const target = records[9];
    let lost = false;
    const losingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!lost && init?.method === 'PATCH') {
        lost = true;
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    };
    await fetch(`${estate.crm.baseUrl}/__admin/stats/reset`, { method: 'POST' });
    const result = await salesforceConnector(estate, losingFetch).apply(
      {
        entity: 'customer',
        sourceKey: target.sourceKey,
        changes: [{ field: 'legalName', expectedOld: target.fields.legalName, newValue: 'Lost Answer Ltd' }],
      },
      'lost-answer',
    );
    expect(lost).toBe(true);
    expect(result.outcome).toBe('already_applied');
    expect(await writesOf(estate)).toBe(1);
  });
  it('sends the request for the next page before it hands out the current one', async () => {
    const paged = await startSmallEstate(650); // 4 pages of accounts
    try {
      const requested: string[] = [];
      const connector = salesforceConnector(paged, (input, init) => {
        requested.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      });
      const seen: number[] = [];
      for await (const batch of connector.extract('customer', { mode: 'full' })) {
        // Mapping and inserting this page must not hold back the request for the next one.
        if (batch.cursor !== null) seen.push(requested.filter((url) => url.includes('/query/')).length);
      }
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      await paged.stop();
    }
  });

  it('readFields selects only the asked fields (and a phone its country) and maps them as read does', async () => {
    const connector = salesforceConnector(estate);
    const { records } = await collect(connector.extract('customer', { mode: 'full' }));
    const keys = records.slice(0, 5).map((r) => r.sourceKey);
    const soql: string[] = [];
    const watching = salesforceConnector(estate, async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname.endsWith('/query')) soql.push(url.searchParams.get('q') ?? '');
      return fetch(input, init);
    });
    const full = await connector.read('customer', keys);
    const some = await watching.readFields('customer', keys, ['billingAddress.city', 'phone']);
    expect(soql).toHaveLength(1);
    expect(soql[0]).toMatch(
      /^SELECT Id, LastModifiedDate, BillingCountry, BillingCity, Phone FROM Account WHERE Id IN/,
    );
    expect(some.map((r) => r.sourceKey)).toEqual(full.map((r) => r.sourceKey));
    some.forEach((record, i) => {
      expect(record.fields.billingAddress.city).toBe(full[i].fields.billingAddress.city);
      expect(record.fields.phone).toBe(full[i].fields.phone);
      expect(record.fields.phone).toMatch(/^\+\d+$/); // read in the record's country
      expect(record.sourceUpdatedAt).toEqual(full[i].sourceUpdatedAt);
      expect(record.fields.legalName).toBe(''); // not asked for
    });
  });
});
