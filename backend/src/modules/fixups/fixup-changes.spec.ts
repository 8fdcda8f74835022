import { baseKeyOf, canonicalPath, fieldWriteOf } from './fixup-changes';

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
    expect(fieldWriteOf({ ...finding, entity: 'order', field: 'status_changed_at' })).toMatchObject({ ok: false });
    expect(
      fieldWriteOf({ ...finding, entity: 'credit_profile', field: 'credit_limit', expectedValue: 'n/a' }),
    ).toMatchObject({ ok: false });
  });

  it('derives a deterministic base key from finding, target and changes', () => {
    const changes = [{ field: 'phone', column: 'phone', expectedOld: 'a', newValue: 'b' }];
    expect(baseKeyOf('f1', 'erp', changes)).toBe(baseKeyOf('f1', 'erp', changes));
    expect(baseKeyOf('f1', 'erp', changes)).not.toBe(baseKeyOf('f1', 'crm', changes));
    expect(baseKeyOf('f1', 'erp', changes)).not.toBe(baseKeyOf('f1', 'erp', [{ ...changes[0], newValue: 'c' }]));
  });
});
