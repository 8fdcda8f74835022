/** The Salesforce objects the CRM serves, their fields and how each field behaves on read and write. */

export type SfFieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'currency'
  | 'datetime'
  | 'date';

export interface SfField {
  name: string;
  type: SfFieldType;
  length?: number;
  updateable: boolean;
  /** Cannot be blanked on update. */
  required?: boolean;
  /** Reference fields: the object they point to (for `Account.Name` style relationship paths). */
  referenceTo?: string;
  relationshipName?: string;
}

export interface SfObject {
  name: string;
  keyPrefix: string;
  fields: Map<string, SfField>;
  /** Lower-cased field name → field, because SOQL field names are case-insensitive. */
  byLowerName: Map<string, SfField>;
}

const f = (name: string, type: SfFieldType, extra: Partial<SfField> = {}): SfField => ({
  name,
  type,
  updateable: !['id', 'datetime'].includes(type) || name.endsWith('__c'),
  ...extra,
});

function object(name: string, keyPrefix: string, fields: SfField[]): SfObject {
  const common = [
    f('Id', 'id', { updateable: false }),
    f('IsDeleted', 'boolean', { updateable: false }),
    f('CreatedDate', 'datetime', { updateable: false }),
    f('LastModifiedDate', 'datetime', { updateable: false }),
    f('SystemModstamp', 'datetime', { updateable: false }),
  ];
  const all = [...common, ...fields];
  return {
    name,
    keyPrefix,
    fields: new Map(all.map((x) => [x.name, x])),
    byLowerName: new Map(all.map((x) => [x.name.toLowerCase(), x])),
  };
}

export const ACCOUNT = object('Account', '001', [
  f('Name', 'string', { length: 255, required: true }),
  f('ERP_Customer_Number__c', 'string', { length: 20 }),
  f('ParentId', 'reference', { referenceTo: 'Account', relationshipName: 'Parent' }),
  f('Type', 'picklist', { length: 40 }),
  f('Industry', 'picklist', { length: 40 }),
  f('Legal_Entity__c', 'string', { length: 10 }),
  f('BillingStreet', 'textarea', { length: 255 }),
  f('BillingCity', 'string', { length: 40 }),
  f('BillingState', 'string', { length: 80 }),
  f('BillingPostalCode', 'string', { length: 20 }),
  f('BillingCountry', 'string', { length: 80 }),
  f('ShippingStreet', 'textarea', { length: 255 }),
  f('ShippingCity', 'string', { length: 40 }),
  f('ShippingState', 'string', { length: 80 }),
  f('ShippingPostalCode', 'string', { length: 20 }),
  f('ShippingCountry', 'string', { length: 80 }),
  f('Phone', 'phone', { length: 40 }),
  f('Website', 'url', { length: 255 }),
  f('Email__c', 'email', { length: 80 }),
  f('Tax_Id__c', 'string', { length: 30 }),
  f('Payment_Terms__c', 'picklist', { length: 40 }),
  f('Credit_Limit__c', 'currency'),
  f('Credit_Hold__c', 'boolean'),
  f('CurrencyIsoCode', 'picklist', { length: 3 }),
  f('Account_Status__c', 'picklist', { length: 20 }),
  f('Account_Team__c', 'string', { length: 80 }),
]);

export const CONTACT = object('Contact', '003', [
  f('AccountId', 'reference', { referenceTo: 'Account', relationshipName: 'Account' }),
  f('FirstName', 'string', { length: 40 }),
  f('LastName', 'string', { length: 80, required: true }),
  f('Email', 'email', { length: 80 }),
  f('Phone', 'phone', { length: 40 }),
  f('Title', 'string', { length: 128 }),
]);

export const OPPORTUNITY = object('Opportunity', '006', [
  f('AccountId', 'reference', { referenceTo: 'Account', relationshipName: 'Account' }),
  f('Name', 'string', { length: 120, required: true }),
  f('StageName', 'picklist', { length: 40, required: true }),
  f('CloseDate', 'date'),
  f('Amount', 'currency'),
  f('CurrencyIsoCode', 'picklist', { length: 3 }),
  f('ERP_Order_Number__c', 'string', { length: 20 }),
  f('Order_Status__c', 'picklist', { length: 40 }),
  f('Order_Status_Changed__c', 'datetime'),
]);

/**
 * A custom object the distributor's integration fills from the WMS: one record per shipment, `Name`
 * the WMS shipment number, the milestone and its warehouse time as the WMS reported them.
 */
export const SHIPMENT = object('Shipment__c', 'a0S', [
  f('Name', 'string', { length: 80, required: true }),
  f('Opportunity__c', 'reference', { referenceTo: 'Opportunity', relationshipName: 'Opportunity__r' }),
  f('Milestone__c', 'picklist', { length: 40 }),
  f('Milestone_Date__c', 'datetime'),
  f('Carrier__c', 'string', { length: 40 }),
  f('Tracking_Number__c', 'string', { length: 40 }),
]);

export const SF_OBJECTS = new Map<string, SfObject>(
  [ACCOUNT, CONTACT, OPPORTUNITY, SHIPMENT].map((o) => [o.name.toLowerCase(), o]),
);

/** The fields of one record as stored: everything but Id-derived and stamp fields. */
export type SfRecord = Record<string, string | number | boolean | null>;

const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A real-looking 18-character Salesforce Id (15-char case-sensitive id + the 3-char checksum). */
export function salesforceId(keyPrefix: string, n: number): string {
  let body = '';
  let v = n;
  do {
    body = BASE62[v % 62] + body;
    v = Math.floor(v / 62);
  } while (v > 0);
  return toId18(`${keyPrefix}5g${body.padStart(10, '0')}`);
}

/** Adds the case-insensitive 3-character checksum to a 15-character Id. */
export function toId18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) flags |= 1 << i;
    }
    suffix += CHECKSUM_CHARS[flags];
  }
  return id15 + suffix;
}

/** Salesforce writes datetimes as `2024-01-02T03:04:05.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
