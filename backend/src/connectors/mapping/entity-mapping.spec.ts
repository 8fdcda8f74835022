import { planApply } from './apply-plan';
import { EntityMapper, mergeMapping, sameValue, type ConnectorMapping } from './entity-mapping';

const mapping: ConnectorMapping = {
  customer: {
    key: 'Id',
    updatedAt: 'LastModifiedDate',
    fields: {
      customerNumber: { from: 'ERP_Customer_Number__c' },
      legalName: { from: 'Name', normalize: 'string', required: true },
      country: { from: 'BillingCountry', normalize: 'country' },
      'billingAddress.city': { from: 'BillingCity', normalize: 'string' },
      phone: { from: 'Phone', normalize: 'phone' },
      status: { from: 'Status', valueMap: { Active: 'active', Inactive: 'inactive' } },
    },
  },
  credit_profile: {
    key: 'Id',
    fields: {
      paymentTerms: { from: 'Terms', valueMap: { 'Net 30': 'NET30', 'Net 60': 'NET60' }, normalize: 'paymentTerms' },
      creditHold: { from: 'Hold', normalize: 'boolean' },
    },
  },
};

const account = {
  Id: '001A',
  Name: 'Acme GmbH',
  ERP_Customer_Number__c: 'C-1',
  BillingCountry: 'Germany',
  BillingCity: 'Berlin',
  Phone: '030 1234567',
  Status: 'Active',
  LastModifiedDate: '2024-05-01T10:00:00.000+0000',
};

describe('EntityMapper', () => {
  const customers = new EntityMapper('customer', 'crm', mapping.customer!);

  it('maps a source record into the full canonical shape', () => {
    const result = customers.map(account);
    if (!('record' in result)) throw new Error(result.reject.reason);
    expect(result.record.sourceKey).toBe('001A');
    expect(result.record.sourceUpdatedAt).toEqual(new Date('2024-05-01T10:00:00Z'));
    expect(result.record.fields).toMatchObject({
      customerNumber: 'C-1',
      legalName: 'Acme GmbH',
      country: 'DE',
      billingAddress: { city: 'Berlin', line1: '' },
      phone: '+49301234567',
      status: 'active',
      taxId: '',
    });
  });

  it.each([
    ['a missing required field', { ...account, Name: null }, /legalName: missing Name/],
    ['an impossible date', { ...account, LastModifiedDate: '2024-02-30T25:61:00Z' }, /not a date/],
    ['an overlong string', { ...account, BillingCity: 'X'.repeat(70_000) }, /70000 characters/],
    ['an unknown country', { ...account, BillingCountry: 'Atlantis' }, /unknown country/],
    ['a missing key', { ...account, Id: undefined }, /missing key Id/],
    ['not an object', 'garbage', /not an object/],
  ])('rejects %s with a reason instead of throwing', (_, source, reason) => {
    const result = customers.map(source);
    expect('reject' in result).toBe(true);
    if ('reject' in result) {
      expect(result.reject.reason).toMatch(reason);
      expect(result.reject.rawExcerpt.length).toBeGreaterThan(0);
    }
  });

  it('maps payment terms through the value map and the normalizer', () => {
    const credit = new EntityMapper('credit_profile', 'crm', mapping.credit_profile!);
    const a = credit.map({ Id: '1', Terms: 'Net 30', Hold: 'true' });
    const b = credit.map({ Id: '2', Terms: 'N45', Hold: false });
    expect('record' in a && a.record.fields).toMatchObject({ paymentTerms: 'NET30', creditHold: true });
    expect('record' in b && b.record.fields).toMatchObject({ paymentTerms: 'NET45', creditHold: false });
    expect(credit.toSource('paymentTerms', 'NET60')).toEqual({ sourceField: 'Terms', value: 'Net 60' });
  });

  it('lets an installation override one field rule and keep the rest', () => {
    const merged = mergeMapping(mapping, {
      customer: { fields: { status: { valueMap: { A: 'active' } }, taxId: { from: 'VAT__c' } } },
    });
    const mapper = new EntityMapper('customer', 'crm', merged.customer!);
    const result = mapper.map({ ...account, Status: 'A', VAT__c: 'DE123' });
    expect('record' in result && result.record.fields).toMatchObject({
      status: 'active',
      taxId: 'DE123',
      country: 'DE',
    });
  });

  it('writes a date as an ISO-8601 instant, whatever form the change carries it in', () => {
    const shipments = new EntityMapper('shipment', 'crm', {
      key: 'Id',
      fields: { milestoneAt: { from: 'Milestone_Date__c', normalize: 'date' } },
    });
    const at = { sourceField: 'Milestone_Date__c', value: '2026-01-10T10:00:00.000Z' };
    expect(shipments.toSource('milestoneAt', new Date('2026-01-10T10:00:00Z'))).toEqual(at);
    expect(shipments.toSource('milestoneAt', '2026-01-10T11:00:00.000+0100')).toEqual(at);
    expect(shipments.toSource('milestoneAt', null)).toEqual({ ...at, value: null });
  });

  it('keeps where status changes are timed unless an installation says otherwise', () => {
    const base: ConnectorMapping = { shipment: { key: 'Id', transitionsAt: 'updatedAt', fields: {} } };
    expect(mergeMapping(base, { shipment: { fields: {} } }).shipment?.transitionsAt).toBe('updatedAt');
    expect(mergeMapping(base, { shipment: { transitionsAt: 'statusTime' } }).shipment?.transitionsAt).toBe(
      'statusTime',
    );
    expect(() => mergeMapping(base, { shipment: { transitionsAt: 'never' as 'statusTime' } })).toThrow();
  });
});

describe('planApply', () => {
  const mapper = new EntityMapper('customer', 'crm', mapping.customer!);
  const current = (() => {
    const r = mapper.map(account);
    if (!('record' in r)) throw new Error('fixture');
    return r.record;
  })();

  it('writes when the target still has the expected old value', () => {
    const plan = planApply(
      mapper,
      {
        entity: 'customer',
        sourceKey: '001A',
        changes: [{ field: 'billingAddress.city', expectedOld: 'Berlin', newValue: 'Hamburg' }],
      },
      current,
    );
    expect(plan).toEqual({
      kind: 'write',
      sourceValues: { BillingCity: 'Hamburg' },
      canonicalValues: { 'billingAddress.city': 'Hamburg' },
    });
  });

  it('is a no-op when the target already has the new value', () => {
    const plan = planApply(
      mapper,
      {
        entity: 'customer',
        sourceKey: '001A',
        changes: [{ field: 'billingAddress.city', expectedOld: 'Munich', newValue: 'Berlin' }],
      },
      current,
    );
    expect(plan).toEqual({ kind: 'done', result: { outcome: 'already_applied' } });
  });

  it('refuses to clobber a value edited since the finding', () => {
    const plan = planApply(
      mapper,
      {
        entity: 'customer',
        sourceKey: '001A',
        changes: [{ field: 'billingAddress.city', expectedOld: 'Munich', newValue: 'Hamburg' }],
      },
      current,
    );
    expect(plan).toMatchObject({
      kind: 'done',
      result: { outcome: 'conflict', currentValues: { 'billingAddress.city': 'Berlin' } },
    });
  });

  it('rejects unknown fields and missing records with a reason', () => {
    expect(
      planApply(
        mapper,
        { entity: 'customer', sourceKey: 'x', changes: [{ field: 'nope', expectedOld: 1, newValue: 2 }] },
        current,
      ),
    ).toMatchObject({ result: { outcome: 'rejected', reason: 'unknown field nope for customer' } });
    expect(
      planApply(
        mapper,
        { entity: 'customer', sourceKey: 'x', changes: [{ field: 'legalName', expectedOld: 1, newValue: 2 }] },
        undefined,
      ),
    ).toMatchObject({ result: { outcome: 'rejected' } });
  });
});

describe('planApply on a date (Salesforce Shipment__c.Milestone_Date__c)', () => {
  const shipments = new EntityMapper('shipment', 'crm', {
    key: 'Id',
    fields: { milestoneAt: { from: 'Milestone_Date__c', normalize: 'date' } },
  });
  /** The CRM's record as it reads: Salesforce's `+0000` form, with milliseconds. */
  const shipment = (milestoneDate: string | null) => {
    const r = shipments.map({ Id: 'a0B1', Milestone_Date__c: milestoneDate });
    if (!('record' in r)) throw new Error('fixture');
    return r.record;
  };
  /** A change as the planner builds it from a finding (whole seconds) and as it reads back from jsonb. */
  const plan = (expectedOld: string | null, newValue: string | null, current: string | null) =>
    planApply(
      shipments,
      { entity: 'shipment', sourceKey: 'a0B1', changes: [{ field: 'milestoneAt', expectedOld, newValue }] },
      shipment(current),
    );

  it('writes when the target holds the time the finding saw, to the second', () => {
    expect(plan('2026-01-10T10:00:00.000Z', '2026-01-10T11:30:00.000Z', '2026-01-10T10:00:00.456+0000')).toEqual({
      kind: 'write',
      sourceValues: { Milestone_Date__c: '2026-01-10T11:30:00.000Z' },
      canonicalValues: { milestoneAt: '2026-01-10T11:30:00.000Z' },
    });
    // The same instant in another offset is the same time.
    expect(
      plan('2026-01-10T11:00:00.000+01:00', '2026-01-10T11:30:00.000Z', '2026-01-10T10:00:00.000+0000'),
    ).toMatchObject({ kind: 'write' });
  });

  it('writes a time where the target has none and the finding saw none', () => {
    expect(plan(null, '2026-01-10T11:30:00.000Z', null)).toMatchObject({
      kind: 'write',
      sourceValues: { Milestone_Date__c: '2026-01-10T11:30:00.000Z' },
    });
  });

  it('is a no-op when the target already holds the new time, in any representation', () => {
    const done = { kind: 'done', result: { outcome: 'already_applied' } };
    expect(plan('2026-01-10T10:00:00.000Z', '2026-01-10T11:30:00.000Z', '2026-01-10T11:30:00.000+0000')).toEqual(done);
    expect(plan('2026-01-10T10:00:00.000Z', '2026-01-10T11:30:00.000Z', '2026-01-10T11:30:00.999+0000')).toEqual(done);
    expect(plan('2026-01-10T10:00:00.000Z', '2026-01-10T11:30:00.000Z', '2026-01-10T12:30:00.000+0100')).toEqual(done);
  });

  it.each([
    ['a second later than the finding saw', '2026-01-10T10:00:00.000Z', '2026-01-10T10:00:01.000+0000'],
    ['a time where the finding saw none', null, '2026-01-10T10:00:00.000+0000'],
    ['no time where the finding saw one', '2026-01-10T10:00:00.000Z', null],
  ])('is a conflict when the target holds %s', (_, expectedOld, current) => {
    expect(plan(expectedOld, '2026-01-10T11:30:00.000Z', current)).toMatchObject({
      kind: 'done',
      result: { outcome: 'conflict', currentValues: { milestoneAt: current === null ? null : new Date(current) } },
    });
  });
});

describe('sameValue on dates', () => {
  it('compares instants to the second across representations', () => {
    const at = new Date('2026-01-10T10:00:00.250Z');
    expect(sameValue(at, '2026-01-10T10:00:00.000Z')).toBe(true);
    expect(sameValue(at, '2026-01-10T10:00:00.999+0000')).toBe(true);
    expect(sameValue(at, '2026-01-10T11:00:00+01:00')).toBe(true);
    expect(sameValue(at, '2026-01-10T10:00:01.000Z')).toBe(false);
    expect(sameValue(at, '2026-01-10T09:59:59.999Z')).toBe(false);
  });

  it('treats null, undefined and empty text as no date', () => {
    expect(sameValue(null, null)).toBe(true);
    expect(sameValue(new Date(0), null)).toBe(false);
    expect(sameValue(new Date('2026-01-10T10:00:00Z'), '')).toBe(false);
    expect(sameValue(new Date('2026-01-10T10:00:00Z'), undefined)).toBe(false);
  });

  it('does not read a time without offset in the process time zone, nor a non-date as one', () => {
    expect(sameValue(new Date('2026-01-10T10:00:00Z'), '2026-01-10 10:00:00')).toBe(false);
    expect(sameValue(new Date('2026-01-10T00:00:00Z'), '2026-01-10')).toBe(true);
    expect(sameValue(new Date('2026-01-10T10:00:00Z'), 'soon')).toBe(false);
    expect(sameValue(new Date(NaN), new Date(NaN))).toBe(false);
  });
});
