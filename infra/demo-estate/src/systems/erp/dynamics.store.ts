/**
 * The ERP's own copy, in Dynamics 365 F&O vocabulary: CustomersV3 keyed by (dataAreaId,
 * CustomerAccount) with "N30" payment terms, ISO-3 country ids and international phone formats, and
 * the customer's credit terms on the same entity (CreditLimit, SalesCurrencyCode, PaymentTerms,
 * OnHoldStatus) as in F&O, which has no separate customer credit entity; SalesOrderHeadersV2; the
 * customers' contact persons (CDSContactPersonsV2), copied from the CRM, which owns them.
 */
import {
  areaCodeAbroad,
  type ContactTruth,
  type CustomerTruth,
  type OrderStatus,
  type OrderTruth,
  type PhoneTruth,
} from '../../generator/estate-generator';
import { COUNTRIES, PAYMENT_TERMS } from '../../generator/reference-data';
import { Journal, RecordTable } from '../../store/record-table';

export type ErpRecord = Record<string, string | number | null>;

export type ErpFieldType = 'string' | 'decimal' | 'datetime' | 'date' | 'enum';

/** An F&O enum as OData spells it: members by name, e.g. `OnHoldStatus: "Invoice"`. */
export interface ErpEnum {
  name: string;
  members: readonly string[];
}

export const NO_YES: ErpEnum = { name: 'NoYes', members: ['No', 'Yes'] };
/** CustomersV3.OnHoldStatus: which transactions the customer is held from ("Never": never held). */
export const CUST_VENDOR_BLOCKED: ErpEnum = {
  name: 'CustVendorBlocked',
  members: ['No', 'Invoice', 'All', 'Payment', 'Requisition', 'Never'],
};

export interface ErpField {
  type: ErpFieldType;
  maxLength?: number;
  required?: boolean;
  /** Enum fields whose members are known: writes of other values are refused, as F&O does. */
  enum?: ErpEnum;
}

export interface ErpEntity {
  /** Public collection name, as in the URL. */
  name: string;
  /** Entity type name, as in error messages and `@odata.context`. */
  typeName: string;
  keys: string[];
  fields: Map<string, ErpField>;
}

function entity(
  name: string,
  typeName: string,
  keys: string[],
  fields: [string, ErpFieldType | ErpEnum, number?, boolean?][],
): ErpEntity {
  return {
    name,
    typeName,
    keys,
    fields: new Map(
      fields.map(([n, type, maxLength, required]): [string, ErpField] => [
        n,
        {
          ...(typeof type === 'string' ? { type } : { type: 'enum', enum: type }),
          ...(maxLength ? { maxLength } : {}),
          ...(required ? { required } : {}),
        },
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
    ['CreditLimitIsMandatory', NO_YES],
    ['OnHoldStatus', CUST_VENDOR_BLOCKED],
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

/**
 * F&O's contact persons of customers (AssociatedContactType Customer, AssociatedContactNumber the
 * customer account). F&O has no job title on this entity: the CRM's title is kept as the profession.
 * ModifiedDateTime is this estate's addition (as on the other entities), for incremental reads.
 */
export const CDS_CONTACT_PERSONS_V2 = entity(
  'CDSContactPersonsV2',
  'CDSContactPersonV2',
  ['dataAreaId', 'ContactPersonId'],
  [
    ['dataAreaId', 'string', 4, true],
    ['ContactPersonId', 'string', 20, true],
    ['ContactPersonPartyNumber', 'string', 20],
    ['AssociatedContactType', 'enum'],
    ['AssociatedContactNumber', 'string', 20, true],
    ['FirstName', 'string', 25],
    ['MiddleName', 'string', 25],
    ['LastName', 'string', 25, true],
    ['PrimaryEmailAddress', 'string', 255],
    ['PrimaryPhoneNumber', 'string', 255],
    ['EmploymentProfession', 'string', 60],
    ['IsInactive', NO_YES],
    ['ModifiedDateTime', 'datetime'],
  ],
);

export const ERP_ENTITIES = new Map(
  [CUSTOMERS_V3, SALES_ORDER_HEADERS_V2, CDS_CONTACT_PERSONS_V2].map((e) => [e.name, e]),
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
  return `+${phone.callingCode} ${areaCodeAbroad(phone)} ${phone.subscriber}`;
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
    // Journals of estates from before credit terms moved onto CustomersV3 name CustomerCreditLimits.
    if (!t) throw new Error(`unknown ERP entity ${name} (a data dir of an older estate? serve it with --fresh)`);
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
  orders: { record: ErpRecord; modifiedAt: number }[];
  contacts: { record: ErpRecord; modifiedAt: number }[];
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

/**
 * A customer blocked outright is on hold for All; a credit hold alone holds invoicing (Invoice), so
 * the customer can still be selected on orders (F&O has no separate customer credit-hold flag).
 */
export function erpOnHoldStatus(customer: Pick<CustomerTruth, 'status' | 'credit'>): string {
  if (customer.status === 'blocked') return 'All';
  return customer.credit.hold ? 'Invoice' : 'No';
}

/** Whether an OnHoldStatus holds the customer at all ("Never" and "No" do not). */
export function erpIsOnHold(onHoldStatus: unknown): boolean {
  return typeof onHoldStatus === 'string' && onHoldStatus !== 'No' && onHoldStatus !== 'Never';
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
      OnHoldStatus: erpOnHoldStatus(customer),
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
    orders: customer.orders.map((o) => erpOrder(customer, o)),
    contacts: customer.contacts.map((c) => erpContact(customer, c)),
    modifiedAt: customer.modifiedAt,
  };
}

export function erpContactPersonId(contact: Pick<ContactTruth, 'contactIndex'>): string {
  return `CP${String(contact.contactIndex + 1).padStart(8, '0')}`;
}

export function erpContact(customer: CustomerTruth, contact: ContactTruth): { record: ErpRecord; modifiedAt: number } {
  return {
    record: {
      dataAreaId: customer.dataAreaId,
      ContactPersonId: erpContactPersonId(contact),
      ContactPersonPartyNumber: `P${String(contact.contactIndex + 1).padStart(9, '0')}`,
      AssociatedContactType: 'Customer',
      AssociatedContactNumber: customer.customerNumber,
      FirstName: contact.firstName,
      MiddleName: '',
      LastName: contact.lastName,
      PrimaryEmailAddress: contact.email,
      PrimaryPhoneNumber: erpPhone(contact.phone),
      EmploymentProfession: contact.title,
      IsInactive: 'No',
    },
    modifiedAt: contact.modifiedAt,
  };
}
