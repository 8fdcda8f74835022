import { baseKeyOf, canonicalPath, canonicalValue, canonicalValueOf, fieldWriteOf } from './fixup-changes';

const finding = {
  id: 'f1',
  entity: 'customer',
  field: 'phone',
  expectedValue: '+3531234567',
  actualSystem: 'erp',
  actualValue: '+3539999999',
  details: { owner_key: '001A', actual_key: 'C-1' },
};

describe('fix-up field changes from findings', () => {
  it('maps snapshot columns to canonical paths, addresses included', () => {
    expect(canonicalPath('legal_name')).toBe('legalName');
    expect(canonicalPath('billing_address_postal_code')).toBe('billingAddress.postalCode');
    expect(canonicalPath('shipping_address_line1')).toBe('shippingAddress.line1');
  });

  it("writes the owner's value into the other system's record, conditional on the value seen", () => {
    expect(fieldWriteOf(finding)).toEqual({
      ok: true,
      sourceKey: 'C-1',
      change: { field: 'phone', column: 'phone', expectedOld: '+3539999999', newValue: '+3531234567' },
    });
  });

  it('types money and booleans as the canonical model does', () => {
    const limit = fieldWriteOf({
      ...finding,
      entity: 'credit_profile',
      field: 'credit_limit',
      expectedValue: '5000.5',
      actualValue: '4000',
    });
    expect(limit).toMatchObject({ ok: true, change: { field: 'creditLimit', expectedOld: 4000, newValue: 5000.5 } });
    const hold = fieldWriteOf({
      ...finding,
      entity: 'credit_profile',
      field: 'credit_hold',
      expectedValue: '1',
      actualValue: '0',
    });
    expect(hold).toMatchObject({ ok: true, change: { field: 'creditHold', expectedOld: false, newValue: true } });
  });

  it('refuses findings it cannot turn into a write, with the reason', () => {
    expect(fieldWriteOf({ ...finding, details: {} })).toEqual({
      ok: false,
      reason: expect.stringMatching(/actual_key/),
    });
    expect(fieldWriteOf({ ...finding, field: 'no_such_column' })).toEqual({
      ok: false,
      reason: 'customer.no_such_column is not a field Driftwatch writes',
    });
    expect(fieldWriteOf({ ...finding, field: 'key_hash' })).toMatchObject({ ok: false });
    expect(
      fieldWriteOf({ ...finding, entity: 'credit_profile', field: 'credit_limit', expectedValue: 'n/a' }),
    ).toMatchObject({ ok: false });
  });

  describe('datetime columns', () => {
    // As field_match renders them: ClickHouse `toString(milestone_at, 'UTC')`, whole seconds, no zone.
    const milestone = {
      ...finding,
      entity: 'shipment',
      field: 'milestone_at',
      expectedValue: '2026-01-10 10:15:42',
      actualValue: '2026-01-09 23:59:59',
      actualSystem: 'crm',
      details: { owner_key: 'SH-1', actual_key: 'a0B1' },
    };

    it('reads a finding time as UTC and carries it as an ISO-8601 instant', () => {
      expect(fieldWriteOf(milestone)).toEqual({
        ok: true,
        sourceKey: 'a0B1',
        change: {
          field: 'milestoneAt',
          column: 'milestone_at',
          expectedOld: '2026-01-09T23:59:59.000Z',
          newValue: '2026-01-10T10:15:42.000Z',
        },
      });
      // Leap day, the end of the DateTime range.
      expect(canonicalValue('order', 'status_changed_at', '2024-02-29 00:00:00')).toBe('2024-02-29T00:00:00.000Z');
      expect(canonicalValue('shipment', 'milestone_at', '2106-02-07 06:28:15')).toBe('2106-02-07T06:28:15.000Z');
    });

    it('reads the time independently of the process time zone', () => {
      const zone = process.env.TZ;
      try {
        process.env.TZ = 'America/Los_Angeles';
        expect(canonicalValue('shipment', 'milestone_at', '2026-07-01 12:00:00')).toBe('2026-07-01T12:00:00.000Z');
      } finally {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
      }
    });

    it.each([
      ['an empty value', ''],
      ['ClickHouse 18.16 zero time', '0000-00-00 00:00:00'],
      ['a later server zero time', '1970-01-01 00:00:00'],
    ])('takes %s as no date', (_, text) => {
      expect(canonicalValueOf('shipment', 'milestone_at', text)).toEqual({ ok: true, value: null });
      // The CRM had no milestone date: the write is conditional on it still having none.
      expect(fieldWriteOf({ ...milestone, actualValue: text })).toMatchObject({
        ok: true,
        change: { expectedOld: null, newValue: '2026-01-10T10:15:42.000Z' },
      });
    });

    it.each([
      ['an ISO text', '2026-01-10T10:15:42Z'],
      ['a date without time', '2026-01-10'],
      ['fractional seconds', '2026-01-10 10:15:42.5'],
      ['a day that does not exist', '2026-02-30 10:00:00'],
      ['an hour out of range', '2026-01-10 24:00:00'],
      ['text', 'yesterday'],
    ])('refuses %s, naming the value and the format expected', (_, text) => {
      expect(canonicalValueOf('shipment', 'milestone_at', text)).toEqual({
        ok: false,
        reason: `${JSON.stringify(text)} is not a UTC date-time as findings hold it (YYYY-MM-DD hh:mm:ss)`,
      });
      expect(fieldWriteOf({ ...milestone, expectedValue: text })).toEqual({
        ok: false,
        reason: `shipment.milestone_at: the owner's value ${JSON.stringify(text)} is not a UTC date-time as findings hold it (YYYY-MM-DD hh:mm:ss)`,
      });
      expect(fieldWriteOf({ ...milestone, actualValue: text })).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^shipment\.milestone_at: the value seen /),
      });
    });
  });

  it('derives a deterministic base key from finding, target and changes', () => {
    const changes = [{ field: 'phone', column: 'phone', expectedOld: 'a', newValue: 'b' }];
    expect(baseKeyOf('f1', 'erp', changes)).toBe(baseKeyOf('f1', 'erp', changes));
    expect(baseKeyOf('f1', 'erp', changes)).not.toBe(baseKeyOf('f1', 'crm', changes));
    expect(baseKeyOf('f1', 'erp', changes)).not.toBe(baseKeyOf('f1', 'erp', [{ ...changes[0], newValue: 'c' }]));
  });
});
