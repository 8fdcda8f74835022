import type { ConnectorMapping } from '../mapping/entity-mapping';

/** Tryton rows after `TrytonConnector` flattens party, address and contact mechanisms. */
export const TRYTON_MAPPING: ConnectorMapping = {
  customer: {
    key: 'id',
    updatedAt: 'updated',
    fields: {
      customerNumber: { from: 'code' },
      legalName: { from: 'name', normalize: 'string', required: true },
      country: { from: 'address.country', normalize: 'country', writable: false },
      'billingAddress.line1': { from: 'address.street', normalize: 'string' },
      'billingAddress.city': { from: 'address.city', normalize: 'string' },
      'billingAddress.postalCode': { from: 'address.postal_code', normalize: 'string' },
      'billingAddress.region': { from: 'address.subdivision', normalize: 'string', writable: false },
      'billingAddress.country': { from: 'address.country', normalize: 'country', writable: false },
      'shippingAddress.line1': { from: 'address.street', normalize: 'string', writable: false },
      'shippingAddress.city': { from: 'address.city', normalize: 'string', writable: false },
      'shippingAddress.postalCode': { from: 'address.postal_code', normalize: 'string', writable: false },
      'shippingAddress.country': { from: 'address.country', normalize: 'country', writable: false },
      status: {
        from: 'active',
        valueMap: { true: 'active', false: 'inactive', 1: 'active', 0: 'inactive' },
        writable: false,
      },
      phone: { from: 'phone', normalize: 'phone' },
      email: { from: 'email', normalize: 'email' },
    },
  },
  credit_profile: {
    key: 'id',
    updatedAt: 'updated',
    fields: {
      customerKey: { from: 'id', normalize: 'string', writable: false },
      customerNumber: { from: 'code', writable: false },
      paymentTerms: { from: 'paymentTerm', normalize: 'paymentTerms', writable: false },
      // party.credit_limit_amount (module account_credit_limit), in the company currency.
      creditLimit: { from: 'creditLimit', normalize: 'number' },
    },
  },
  order: {
    key: 'id',
    updatedAt: 'updated',
    fields: {
      orderNumber: { from: 'number', normalize: 'string', writable: false },
      customerKey: { from: 'partyId', normalize: 'string', required: true, writable: false },
      customerNumber: { from: 'partyCode', normalize: 'string', writable: false },
      status: {
        from: 'state',
        valueMap: {
          draft: 'draft',
          quotation: 'draft',
          confirmed: 'confirmed',
          processing: 'processing',
          done: 'delivered',
          cancelled: 'cancelled',
        },
      },
      statusChangedAt: { from: 'updated', normalize: 'date', writable: false },
      total: { from: 'total', normalize: 'number', writable: false },
      currency: { from: 'currency', normalize: 'upper', writable: false },
    },
  },
};
