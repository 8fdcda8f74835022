import { EntityMapper } from '../mapping/entity-mapping';
import { DYNAMICS_ENTITY_SET, DYNAMICS_MAPPING } from './dynamics.mapping';

/** A CustomersV3 row as F&O sends it, trimmed to what the customer and credit mappings read. */
const customerRow = (onHoldStatus: string) => ({
  dataAreaId: 'usmf',
  CustomerAccount: 'C000042',
  OrganizationName: 'Fabrikam Supplies Inc',
  SalesCurrencyCode: 'usd',
  PaymentTerms: 'N30',
  CreditLimit: 25000,
  CreditLimitIsMandatory: 'Yes',
  OnHoldStatus: onHoldStatus,
  ModifiedDateTime: '2026-01-05T08:00:00Z',
});

describe('Dynamics F&O mapping', () => {
  const credit = new EntityMapper('credit_profile', 'erp', DYNAMICS_MAPPING.credit_profile!);
  const customer = new EntityMapper('customer', 'erp', DYNAMICS_MAPPING.customer!);

  it('reads credit profiles from CustomersV3, the entity that holds them in F&O', () => {
    expect(DYNAMICS_ENTITY_SET.credit_profile).toBe('CustomersV3');
    const mapped = credit.map(customerRow('No'));
    expect('record' in mapped && mapped.record.fields).toEqual({
      customerKey: 'C000042',
      customerNumber: 'C000042',
      creditLimit: 25000,
      currency: 'USD',
      paymentTerms: 'NET30',
      creditHold: false,
    });
  });

  it.each([
    ['No', false, 'active'],
    ['Never', false, 'active'],
    ['Invoice', true, 'active'],
    ['Payment', true, 'active'],
    ['Requisition', true, 'active'],
    ['All', true, 'blocked'],
  ])('reads OnHoldStatus %s as credit hold %s and customer status %s', (onHold, hold, status) => {
    const c = credit.map(customerRow(onHold));
    const s = customer.map(customerRow(onHold));
    expect('record' in c && c.record.fields.creditHold).toBe(hold);
    expect('record' in s && s.record.fields.status).toBe(status);
  });

  it('rejects an OnHoldStatus it does not know rather than guessing a hold', () => {
    expect(credit.map(customerRow('Sometimes'))).toHaveProperty('reject');
  });

  it('writes credit hold and credit terms in CustomersV3 names and CustVendorBlocked spelling', () => {
    expect(credit.toSource('creditHold', true)).toEqual({ sourceField: 'OnHoldStatus', value: 'Invoice' });
    expect(credit.toSource('creditHold', false)).toEqual({ sourceField: 'OnHoldStatus', value: 'No' });
    expect(credit.toSource('creditLimit', 30000)).toEqual({ sourceField: 'CreditLimit', value: 30000 });
    expect(credit.toSource('currency', 'EUR')).toEqual({ sourceField: 'SalesCurrencyCode', value: 'EUR' });
    expect(customer.toSource('status', 'blocked')).toEqual({ sourceField: 'OnHoldStatus', value: 'All' });
    expect(customer.toSource('status', 'active')).toEqual({ sourceField: 'OnHoldStatus', value: 'No' });
  });
});
