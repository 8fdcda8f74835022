import type { ConnectorMapping } from '../mapping/entity-mapping';

/** F&O writes payment terms as codes; the value map also gives the spelling for writes. */
const PAYMENT_TERMS = { N15: 'NET15', N30: 'NET30', N45: 'NET45', N60: 'NET60', COD: 'COD', Prepay: 'PREPAID' };

/**
 * CustomersV3.OnHoldStatus (enum CustVendorBlocked) read as a customer status: only All blocks every
 * transaction; the partial holds leave the customer in business, so they read as active. First keys
 * are the spellings written back (active → No, blocked → All).
 */
const ON_HOLD_STATUS = {
  No: 'active',
  All: 'blocked',
  Invoice: 'active',
  Payment: 'active',
  Requisition: 'active',
  Never: 'active',
};
/**
 * The same field read as a credit hold: any hold but Never. A hold written back is Invoice (not All),
 * so setting it does not block the customer outright.
 */
const ON_HOLD_CREDIT = { No: false, Invoice: true, All: true, Payment: true, Requisition: true, Never: false };

/** Dynamics 365 F&O data entities → canonical (defaults; installations override). */
export const DYNAMICS_MAPPING: ConnectorMapping = {
  customer: {
    key: 'CustomerAccount',
    updatedAt: 'ModifiedDateTime',
    fields: {
      customerNumber: { from: 'CustomerAccount', normalize: 'string', writable: false },
      legalName: { from: 'OrganizationName', normalize: 'string', required: true },
      taxId: { from: 'TaxExemptNumber', normalize: 'string' },
      country: { from: 'AddressCountryRegionId', normalize: 'country', writable: false },
      'billingAddress.line1': { from: 'AddressStreet', normalize: 'string' },
      'billingAddress.city': { from: 'AddressCity', normalize: 'string' },
      'billingAddress.postalCode': { from: 'AddressZipCode', normalize: 'string' },
      'billingAddress.region': { from: 'AddressState', normalize: 'string' },
      'billingAddress.country': { from: 'AddressCountryRegionId', normalize: 'country', writable: false },
      'shippingAddress.line1': { from: 'DeliveryAddressStreet', normalize: 'string' },
      'shippingAddress.city': { from: 'DeliveryAddressCity', normalize: 'string' },
      'shippingAddress.postalCode': { from: 'DeliveryAddressZipCode', normalize: 'string' },
      'shippingAddress.region': { from: 'DeliveryAddressState', normalize: 'string' },
      'shippingAddress.country': { from: 'DeliveryAddressCountryRegionId', normalize: 'country', writable: false },
      parentKey: { from: 'InvoiceAccount', normalize: 'string' },
      status: { from: 'OnHoldStatus', valueMap: ON_HOLD_STATUS },
      phone: { from: 'PrimaryContactPhone', normalize: 'phone' },
      email: { from: 'PrimaryContactEmail', normalize: 'email' },
      accountTeam: { from: 'EmployeeResponsibleName', normalize: 'string' },
    },
  },
  // F&O keeps a customer's credit terms on the customer itself (CustomersV3), not on an entity of their own.
  credit_profile: {
    key: 'CustomerAccount',
    updatedAt: 'ModifiedDateTime',
    fields: {
      customerKey: { from: 'CustomerAccount', normalize: 'string', writable: false },
      customerNumber: { from: 'CustomerAccount', normalize: 'string', writable: false },
      creditLimit: { from: 'CreditLimit', normalize: 'number' },
      currency: { from: 'SalesCurrencyCode', normalize: 'upper' },
      paymentTerms: { from: 'PaymentTerms', normalize: 'paymentTerms' },
      // No customer credit-hold flag exists (credit management holds sales orders): OnHoldStatus is closest.
      creditHold: { from: 'OnHoldStatus', valueMap: ON_HOLD_CREDIT, normalize: 'boolean' },
    },
  },
  // Contact persons of customers; F&O has no job title on the entity, so the title is the profession.
  contact: {
    key: 'ContactPersonId',
    updatedAt: 'ModifiedDateTime',
    fields: {
      customerKey: { from: 'AssociatedContactNumber', normalize: 'string', writable: false },
      customerNumber: { from: 'AssociatedContactNumber', normalize: 'string', writable: false },
      firstName: { from: 'FirstName', normalize: 'string' },
      lastName: { from: 'LastName', normalize: 'string', required: true },
      email: { from: 'PrimaryEmailAddress', normalize: 'email' },
      phone: { from: 'PrimaryPhoneNumber', normalize: 'phone' },
      title: { from: 'EmploymentProfession', normalize: 'string' },
    },
  },
  order: {
    key: 'SalesOrderNumber',
    updatedAt: 'ModifiedDateTime',
    fields: {
      orderNumber: { from: 'SalesOrderNumber', normalize: 'string', writable: false },
      customerKey: { from: 'OrderingCustomerAccountNumber', normalize: 'string', writable: false },
      customerNumber: { from: 'OrderingCustomerAccountNumber', normalize: 'string', writable: false },
      // Status comes from two F&O fields; the connector combines them into `CanonicalStatus`.
      status: { from: 'CanonicalStatus', writable: false },
      statusChangedAt: { from: 'StatusChangedDateTime', normalize: 'date', writable: false },
      total: { from: 'OrderTotalAmount', normalize: 'number', writable: false },
      currency: { from: 'CurrencyCode', normalize: 'upper', writable: false },
    },
  },
};

/** Customer payment terms live on CustomersV3 in F&O; exposed for installations that map them. */
export const DYNAMICS_PAYMENT_TERMS = PAYMENT_TERMS;

export const DYNAMICS_ENTITY_SET = {
  customer: 'CustomersV3',
  credit_profile: 'CustomersV3',
  contact: 'CDSContactPersonsV2',
  order: 'SalesOrderHeadersV2',
} as const;

/** (SalesOrderStatus, SalesOrderProcessingStatus) → canonical order status. */
export function canonicalOrderStatus(status: unknown, processing: unknown): string {
  const s = typeof status === 'string' ? status : '';
  const p = typeof processing === 'string' ? processing : '';
  if (s === 'Canceled') return 'cancelled';
  if (s === 'Invoiced') return 'delivered';
  if (s === 'Delivered') return 'shipped';
  if (p === 'Picked') return 'processing';
  if (p === 'Confirmed') return 'confirmed';
  return s === 'Backorder' ? 'draft' : s.toLowerCase();
}
