/**
 * The ERP's own copy, in Dynamics 365 F&O vocabulary: CustomersV3 keyed by (dataAreaId,
 * CustomerAccount) with "N30" payment terms, ISO-3 country ids and international phone formats;
 * CustomerCreditLimits (credit limit, payment terms and credit hold per customer); SalesOrderHeadersV2.
 */
import {
  type CustomerTruth,
  type OrderStatus,
  type OrderTruth,
  type PhoneTruth,
} from '../../generator/estate-generator';
import { COUNTRIES, PAYMENT_TERMS } from '../../generator/reference-data';
import { Journal, RecordTable } from '../../store/record-table';

export type ErpRecord = Record<string, string | number | null>;

export type ErpFieldType = 'string' | 'decimal' | 'datetime' | 'date' | 'enum';
export interface ErpEntity {
  /** Public collection name, as in the URL. */
  name: string;
  /** Entity type name, as in error messages and `@odata.context`. */
  typeName: string;
  keys: string[];
  fields: Map<string, { type: ErpFieldType; maxLength?: number; required?: boolean }>;
}

function entity(
  name: string,
  typeName: string,
  keys: string[],
  fields: [string, ErpFieldType, number?, boolean?][],
): ErpEntity {
  return {
    name,
    typeName,
    keys,
    fields: new Map(
      fields.map(([n, type, maxLength, required]) => [
        n,
        { type, ...(maxLength ? { maxLength } : {}), ...(required ? { required } : {}) },
      ]),
    ),
  };
}

export const CUSTOMERS_V3 = entity(
  'CustomersV3',
  'CustomerV3',
  ['dataAreaId', 'CustomerAccount'],
  [
    ['dataAreaId', 'string', 4, true],
    ['CustomerAccount', 'string', 20, true],
    ['OrganizationName', 'string', 100, true],
    ['NameAlias', 'string', 20],
    ['PartyType', 'enum'],
    ['CustomerGroupId', 'string', 10, true],
    ['SalesCurrencyCode', 'string', 3, true],
    ['PaymentTerms', 'string', 10],
    ['CreditLimit', 'decimal'],
    ['CreditLimitIsMandatory', 'enum'],
    ['OnHoldStatus', 'enum'],
    ['InvoiceAccount', 'string', 20],
    ['AddressDescription', 'string', 60],
    ['AddressStreet', 'string', 250],
    ['AddressCity', 'string', 60],
    ['AddressZipCode', 'string', 10],
    ['AddressState', 'string', 30],
    ['AddressCountryRegionId', 'string', 10],
    ['DeliveryAddressStreet', 'string', 250],
    ['DeliveryAddressCity', 'string', 60],
    ['DeliveryAddressZipCode', 'string', 10],
    ['DeliveryAddressState', 'string', 30],
    ['DeliveryAddressCountryRegionId', 'string', 10],
    ['PrimaryContactPhone', 'string', 255],
    ['PrimaryContactEmail', 'string', 255],
    ['PrimaryContactURL', 'string', 255],
    ['TaxExemptNumber', 'string', 20],
    ['EmployeeResponsibleName', 'string', 100],
    ['CreatedDateTime', 'datetime'],
    ['ModifiedDateTime', 'datetime'],
  ],
);

export const CUSTOMER_CREDIT_LIMITS = entity(
  'CustomerCreditLimits',
  'CustomerCreditLimit',
  ['dataAreaId', 'CustomerAccount'],
  [
    ['dataAreaId', 'string', 4, true],
    ['CustomerAccount', 'string', 20, true],
    ['CreditLimit', 'decimal'],
    ['CurrencyCode', 'string', 3],
    ['PaymentTerms', 'string', 10],
    ['CreditLimitIsMandatory', 'enum'],
    ['CreditHold', 'enum'],
    ['ModifiedDateTime', 'datetime'],
  ],
);

export const SALES_ORDER_HEADERS_V2 = entity(
  'SalesOrderHeadersV2',
  'SalesOrderHeaderV2',
  ['dataAreaId', 'SalesOrderNumber'],
  [
    ['dataAreaId', 'string', 4, true],
    ['SalesOrderNumber', 'string', 20, true],
    ['OrderingCustomerAccountNumber', 'string', 20, true],
    ['InvoiceCustomerAccountNumber', 'string', 20],
    ['SalesOrderName', 'string', 100],
    ['SalesOrderStatus', 'enum'],
    ['SalesOrderProcessingStatus', 'enum'],
    ['CurrencyCode', 'string', 3],
    ['OrderTotalAmount', 'decimal'],
    ['RequestedShippingDate', 'date'],
    ['OrderCreatedDateTime', 'datetime'],
    ['StatusChangedDateTime', 'datetime'],
    ['ModifiedDateTime', 'datetime'],
  ],
);

export const ERP_ENTITIES = new Map(
  [CUSTOMERS_V3, CUSTOMER_CREDIT_LIMITS, SALES_ORDER_HEADERS_V2].map((e) => [e.name, e]),
);

export const ERP_ORDER_STATUS: Record<OrderStatus, { status: string; processing: string }> = {
  draft: { status: 'Backorder', processing: 'None' },
  confirmed: { status: 'Backorder', processing: 'Confirmed' },
  processing: { status: 'Backorder', processing: 'Picked' },
  shipped: { status: 'Delivered', processing: 'PackingSlipPosted' },
  delivered: { status: 'Invoiced', processing: 'Invoiced' },
  cancelled: { status: 'Canceled', processing: 'None' },
};

export function erpKey(entity: ErpEntity, record: ErpRecord): string {
  return entity.keys.map((k) => String(record[k]).toLowerCase()).join('|');
}

export function erpPhone(phone: PhoneTruth): string {
  if (phone.callingCode === '1')
    return `+1 ${phone.areaCode}-${phone.subscriber.slice(0, 3)}-${phone.subscriber.slice(3)}`;
  return `+${phone.callingCode} ${phone.areaCode} ${phone.subscriber}`;
}

export function erpIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class DynamicsStore {
  readonly tables: Map<string, RecordTable<ErpRecord>>;

  constructor(journal = new Journal(null)) {
    this.tables = new Map(
      [...ERP_ENTITIES.values()].map((e) => [e.name, new RecordTable<ErpRecord>(e.name, (r) => erpKey(e, r), journal)]),
    );
  }

  table(name: string): RecordTable<ErpRecord> {
    const t = this.tables.get(name);
    if (!t) throw new Error(`unknown ERP entity ${name}`);
    return t;
  }

  put(entityName: string, record: ErpRecord, modifiedAt: number, journaled = true): void {
    const t = this.table(entityName);
    if (journaled) t.put(record, modifiedAt);
    else t.load(record, modifiedAt);
  }
}

export interface ErpCopy {
  customer: ErpRecord;
  credit: ErpRecord;
  orders: { record: ErpRecord; modifiedAt: number }[];
  modifiedAt: number;
}

export function erpOrder(customer: CustomerTruth, order: OrderTruth): { record: ErpRecord; modifiedAt: number } {
  const last = order.history[order.history.length - 1];
  const mapped = ERP_ORDER_STATUS[order.status];
  return {
    record: {
      dataAreaId: customer.dataAreaId,
      SalesOrderNumber: order.orderNumber,
      OrderingCustomerAccountNumber: customer.customerNumber,
      InvoiceCustomerAccountNumber: customer.customerNumber,
      SalesOrderName: customer.legalName,
      SalesOrderStatus: mapped.status,
      SalesOrderProcessingStatus: mapped.processing,
      CurrencyCode: order.currency,
      OrderTotalAmount: order.total,
      RequestedShippingDate: new Date(order.createdAt + 7 * 86_400_000).toISOString().slice(0, 10),
      OrderCreatedDateTime: erpIso(order.createdAt),
      StatusChangedDateTime: erpIso(last.at),
    },
    modifiedAt: last.at,
  };
}

export function erpCopyOf(customer: CustomerTruth): ErpCopy {
  const country = COUNTRIES[customer.country];
  const b = customer.billing;
  const s = customer.shipping;
  return {
    customer: {
      dataAreaId: customer.dataAreaId,
      CustomerAccount: customer.customerNumber,
      OrganizationName: customer.legalName,
      NameAlias: customer.tradingName.toUpperCase().slice(0, 20),
      PartyType: 'Organization',
      CustomerGroupId: customer.parentIndex >= 0 ? 'GROUP' : country.code === 'US' ? 'DOM' : 'EXP',
      SalesCurrencyCode: customer.currency,
      PaymentTerms: PAYMENT_TERMS[customer.credit.paymentTerms].erp,
      CreditLimit: customer.credit.limit,
      CreditLimitIsMandatory: 'Yes',
      OnHoldStatus: customer.status === 'blocked' ? 'All' : 'No',
      InvoiceAccount: customer.parentIndex >= 0 ? `C${String(customer.parentIndex + 1).padStart(6, '0')}` : '',
      AddressDescription: 'Business',
      AddressStreet: b.line2 ? `${b.line1}\n${b.line2}` : b.line1,
      AddressCity: b.city,
      AddressZipCode: b.postalCode,
      AddressState: b.region,
      AddressCountryRegionId: country.iso3,
      DeliveryAddressStreet: s.line2 ? `${s.line1}\n${s.line2}` : s.line1,
      DeliveryAddressCity: s.city,
      DeliveryAddressZipCode: s.postalCode,
      DeliveryAddressState: s.region,
      DeliveryAddressCountryRegionId: COUNTRIES[s.country].iso3,
      PrimaryContactPhone: erpPhone(customer.phone),
      PrimaryContactEmail: customer.email,
      PrimaryContactURL: customer.website,
      TaxExemptNumber: customer.taxId,
      EmployeeResponsibleName: customer.accountTeam,
      CreatedDateTime: erpIso(customer.createdAt),
    },
    credit: {
      dataAreaId: customer.dataAreaId,
      CustomerAccount: customer.customerNumber,
      CreditLimit: customer.credit.limit,
      CurrencyCode: customer.currency,
      PaymentTerms: PAYMENT_TERMS[customer.credit.paymentTerms].erp,
      CreditLimitIsMandatory: 'Yes',
      CreditHold: customer.credit.hold ? 'Yes' : 'No',
    },
    orders: customer.orders.map((o) => erpOrder(customer, o)),
    modifiedAt: customer.modifiedAt,
  };
}
