/**
 * The CRM's own copy of the estate, in Salesforce vocabulary: Accounts keyed by Salesforce Id carrying
 * the ERP customer number as the external id `ERP_Customer_Number__c`, "Net 30" payment terms,
 * full country names, national phone formats; Contacts; Opportunities mirroring ERP sales orders;
 * `Shipment__c` records an integration copies from the WMS a few minutes after each milestone.
 */
import type {
  CustomerTruth,
  GeneratorOptions,
  Milestone,
  OrderStatus,
  OrderTruth,
  PhoneTruth,
} from '../../generator/estate-generator';
import { mixSeed, Prng } from '../../generator/prng';
import { COUNTRIES, PAYMENT_TERMS } from '../../generator/reference-data';
import { MultiIndex } from '../../store/multi-index';
import { Journal, RecordTable } from '../../store/record-table';
import { ACCOUNT, CONTACT, OPPORTUNITY, SHIPMENT, salesforceId, sfDateTime, type SfRecord } from './salesforce-schema';

/** Ids of records created after generation start here, far above any generated index. */
const NEW_RECORD_BASE = 4_000_000_000;

export const CRM_ORDER_STATUS: Record<OrderStatus, string> = {
  draft: 'Draft',
  confirmed: 'Confirmed',
  processing: 'In Fulfillment',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

/** `Milestone__c` picklist values. */
export const CRM_MILESTONE: Record<Milestone, string> = {
  picked: 'Picked',
  packed: 'Packed',
  shipped: 'Shipped',
  delivered: 'Delivered',
};

/** The integration's usual WMS → CRM delay per milestone, in seconds: well inside a 30-minute SLA. */
export const SHIPMENT_PROPAGATION_SECONDS = { min: 15, max: 480 } as const;
/** PRNG stream of those delays, apart from the generator's own draws (which stay as they were). */
const SHIPMENT_PROPAGATION_STREAM = 41;
/** The integration's usual ERP → CRM order status delay, in seconds: well inside a 15-minute SLA. */
export const ORDER_STATUS_PROPAGATION_SECONDS = { min: 2, max: 240 } as const;
const ORDER_STATUS_PROPAGATION_STREAM = 43;

export function crmPhone(phone: PhoneTruth): string {
  const nsn = phone.areaCode + phone.subscriber;
  if (phone.callingCode === '1') return `(${nsn.slice(0, 3)}) ${nsn.slice(3, 6)}-${nsn.slice(6)}`;
  // Europe: national format, trunk prefix 0 before the area code.
  return `0${phone.areaCode} ${phone.subscriber}`;
}

export function crmStreet(line1: string, line2: string): string {
  return line2 ? `${line1}\n${line2}` : line1;
}

/** One write made in the running CRM: `record` is undefined for a delete, `previous` for a create. */
export interface RecordChange {
  objectName: string;
  id: string;
  previous: SfRecord | undefined;
  record: SfRecord | undefined;
  modifiedAt: number;
}

export function accountIdOf(index: number): string {
  return salesforceId(ACCOUNT.keyPrefix, index + 1);
}

export class SalesforceStore {
  readonly accounts: RecordTable<SfRecord>;
  readonly contacts: RecordTable<SfRecord>;
  readonly opportunities: RecordTable<SfRecord>;
  readonly shipments: RecordTable<SfRecord>;
  /** ERP_Customer_Number__c → Account Ids (more than one when the CRM holds duplicates). */
  private readonly byCustomerNumber = new MultiIndex<string>();
  private readonly byOrderNumber = new Map<string, string>();
  /** Shipment__c Name (the WMS shipment number) → Id. */
  private readonly byShipmentNumber = new Map<string, string>();
  private nextNew = NEW_RECORD_BASE;
  private readonly changeListeners: ((change: RecordChange) => void)[] = [];

  constructor(journal = new Journal(null)) {
    const key = (r: SfRecord) => r.Id as string;
    this.accounts = new RecordTable('Account', key, journal);
    this.contacts = new RecordTable('Contact', key, journal);
    this.opportunities = new RecordTable('Opportunity', key, journal);
    this.shipments = new RecordTable('Shipment__c', key, journal);
  }

  table(objectName: string): RecordTable<SfRecord> | undefined {
    switch (objectName.toLowerCase()) {
      case 'account':
        return this.accounts;
      case 'contact':
        return this.contacts;
      case 'opportunity':
        return this.opportunities;
      case 'shipment__c':
        return this.shipments;
      default:
        return undefined;
    }
  }

  newId(keyPrefix: string): string {
    return salesforceId(keyPrefix, this.nextNew++);
  }

  accountIdsByCustomerNumber(customerNumber: string): string[] {
    return this.byCustomerNumber.get(customerNumber.toLowerCase());
  }

  opportunityIdByOrderNumber(orderNumber: string): string | undefined {
    return this.byOrderNumber.get(orderNumber);
  }

  shipmentIdByNumber(shipmentNumber: string): string | undefined {
    return this.byShipmentNumber.get(shipmentNumber);
  }

  /**
   * Hears every journaled write and delete: the changes made in the running system. The build and a
   * journal replay load without journaling, so rebuilding an estate tells no listener anything.
   */
  onChange(listener: (change: RecordChange) => void): void {
    this.changeListeners.push(listener);
  }

  /** Writes (journaled) and keeps the external id indexes current. */
  /** `knownNew`: the initial build, where no earlier version can exist (skips a lookup per row). */
  put(objectName: string, record: SfRecord, modifiedAt: number, journaled = true, knownNew = false): void {
    const table = this.table(objectName);
    if (!table) throw new Error(`unknown object ${objectName}`);
    const previous = knownNew ? undefined : table.get(record.Id as string)?.record;
    if (table === this.accounts) {
      const before = previous?.ERP_Customer_Number__c;
      if (typeof before === 'string') this.byCustomerNumber.remove(before.toLowerCase(), record.Id as string);
      const after = record.ERP_Customer_Number__c;
      if (typeof after === 'string' && after) this.byCustomerNumber.add(after.toLowerCase(), record.Id as string);
    }
    if (table === this.opportunities && typeof record.ERP_Order_Number__c === 'string') {
      this.byOrderNumber.set(record.ERP_Order_Number__c, record.Id as string);
    }
    if (table === this.shipments) {
      if (typeof previous?.Name === 'string') this.byShipmentNumber.delete(previous.Name);
      if (typeof record.Name === 'string') this.byShipmentNumber.set(record.Name, record.Id as string);
    }
    if (journaled) table.put(record, modifiedAt);
    else table.load(record, modifiedAt);
    if (journaled) this.tell({ objectName: table.entity, id: record.Id as string, previous, record, modifiedAt });
  }

  delete(objectName: string, id: string, journaled = true): boolean {
    const table = this.table(objectName);
    const record = table?.get(id)?.record;
    if (!table || !record) return false;
    if (typeof record.ERP_Customer_Number__c === 'string')
      this.byCustomerNumber.remove(record.ERP_Customer_Number__c.toLowerCase(), id);
    if (typeof record.ERP_Order_Number__c === 'string') this.byOrderNumber.delete(record.ERP_Order_Number__c);
    if (table === this.shipments && typeof record.Name === 'string') this.byShipmentNumber.delete(record.Name);
    const deleted = table.delete(id, journaled);
    if (deleted && journaled)
      this.tell({ objectName: table.entity, id, previous: record, record: undefined, modifiedAt: Date.now() });
    return deleted;
  }

  private tell(change: RecordChange): void {
    for (const listener of this.changeListeners) listener(change);
  }
}

export interface CrmCopy {
  account: SfRecord;
  accountModifiedAt: number;
  contacts: { record: SfRecord; modifiedAt: number }[];
  opportunities: { record: SfRecord; modifiedAt: number }[];
  shipments: CrmShipmentCopy[];
}

export interface CrmShipmentCopy {
  /** The ERP sales order the shipment is for (the CRM holds it through the Opportunity lookup). */
  orderNumber: string;
  record: SfRecord;
  modifiedAt: number;
  /** When each WMS milestone reached the CRM (ms), in milestone order; the last is `modifiedAt`. */
  arrivals: number[];
}

/** The Shipment__c fields the integration sets from one WMS milestone. */
export function crmMilestoneFields(milestone: Milestone, at: number): SfRecord {
  return { Milestone__c: CRM_MILESTONE[milestone], Milestone_Date__c: sfDateTime(at) };
}

/**
 * The CRM's copy of an order's shipment as the integration left it: each milestone arrives a few
 * seconds to minutes after the WMS recorded it (never after the estate's "now"), with the warehouse's
 * time in `Milestone_Date__c`; the record's stamps say when the CRM got it.
 */
export function crmShipmentOf(order: OrderTruth, gen: GeneratorOptions): CrmShipmentCopy | null {
  const s = order.shipment;
  if (!s) return null;
  const rng = new Prng(mixSeed(gen.seed, order.orderIndex, SHIPMENT_PROPAGATION_STREAM));
  const { min, max } = SHIPMENT_PROPAGATION_SECONDS;
  const arrivals = s.milestones.map((m) =>
    Math.min(m.at + (min + rng.int(max - min + 1)) * 1000, Math.max(m.at, gen.epoch)),
  );
  const last = s.milestones[s.milestones.length - 1];
  const modifiedAt = arrivals[arrivals.length - 1];
  return {
    orderNumber: order.orderNumber,
    record: {
      Id: salesforceId(SHIPMENT.keyPrefix, order.orderIndex + 1),
      Name: s.shipmentId,
      Opportunity__c: salesforceId(OPPORTUNITY.keyPrefix, order.orderIndex + 1),
      ...crmMilestoneFields(last.status, last.at),
      Carrier__c: s.carrier,
      Tracking_Number__c: s.trackingNumber,
      // Generated milestone times are not always in order (picked after packed): never modified before created.
      CreatedDate: sfDateTime(Math.min(arrivals[0], modifiedAt)),
    },
    modifiedAt,
    arrivals,
  };
}

/**
 * The CRM's copy of an order as the integration left it: the ERP's latest status, which reached the
 * CRM a few seconds to minutes after the ERP changed it (never after the estate's "now").
 */
export function crmOpportunity(
  customer: CustomerTruth,
  accountId: string,
  order: OrderTruth,
  gen: GeneratorOptions,
): { record: SfRecord; modifiedAt: number } {
  const last = order.history[order.history.length - 1];
  const delivered = order.history.find((h) => h.status === 'delivered');
  const rng = new Prng(mixSeed(gen.seed, order.orderIndex, ORDER_STATUS_PROPAGATION_STREAM));
  const { min, max } = ORDER_STATUS_PROPAGATION_SECONDS;
  const arrival = Math.min(last.at + (min + rng.int(max - min + 1)) * 1000, Math.max(last.at, gen.epoch));
  return {
    record: {
      Id: salesforceId(OPPORTUNITY.keyPrefix, order.orderIndex + 1),
      AccountId: accountId,
      Name: `${customer.tradingName} - ${order.orderNumber}`,
      StageName:
        order.status === 'cancelled' ? 'Closed Lost' : order.status === 'draft' ? 'Proposal/Price Quote' : 'Closed Won',
      CloseDate: new Date(delivered?.at ?? order.createdAt).toISOString().slice(0, 10),
      Amount: order.total,
      CurrencyIsoCode: order.currency,
      ERP_Order_Number__c: order.orderNumber,
      Order_Status__c: CRM_ORDER_STATUS[order.status],
      Order_Status_Changed__c: sfDateTime(arrival),
      CreatedDate: sfDateTime(order.createdAt),
    },
    modifiedAt: arrival,
  };
}

/** Maps one customer of the truth into the CRM's vocabulary. */
export function crmCopyOf(customer: CustomerTruth, gen: GeneratorOptions): CrmCopy {
  const country = COUNTRIES[customer.country];
  const accountId = accountIdOf(customer.index);
  const shipCountry = COUNTRIES[customer.shipping.country];
  const account: SfRecord = {
    Id: accountId,
    Name: customer.legalName,
    ERP_Customer_Number__c: customer.customerNumber,
    ParentId: customer.parentIndex >= 0 ? accountIdOf(customer.parentIndex) : null,
    Type: 'Customer',
    Industry: 'Wholesale',
    Legal_Entity__c: customer.dataAreaId.toUpperCase(),
    BillingStreet: crmStreet(customer.billing.line1, customer.billing.line2),
    BillingCity: customer.billing.city,
    BillingState: customer.billing.region,
    BillingPostalCode: customer.billing.postalCode,
    BillingCountry: country.name,
    ShippingStreet: crmStreet(customer.shipping.line1, customer.shipping.line2),
    ShippingCity: customer.shipping.city,
    ShippingState: customer.shipping.region,
    ShippingPostalCode: customer.shipping.postalCode,
    ShippingCountry: shipCountry.name,
    Phone: crmPhone(customer.phone),
    Website: customer.website,
    Email__c: customer.email,
    Tax_Id__c: customer.taxId,
    Payment_Terms__c: PAYMENT_TERMS[customer.credit.paymentTerms].crm,
    Credit_Limit__c: customer.credit.limit,
    Credit_Hold__c: customer.credit.hold,
    CurrencyIsoCode: customer.currency,
    Account_Status__c: customer.status === 'blocked' ? 'Blocked' : 'Active',
    Account_Team__c: customer.accountTeam,
    CreatedDate: sfDateTime(customer.createdAt),
  };
  return {
    account,
    accountModifiedAt: customer.modifiedAt,
    contacts: customer.contacts.map((c) => ({
      record: {
        Id: salesforceId(CONTACT.keyPrefix, c.contactIndex + 1),
        AccountId: accountId,
        FirstName: c.firstName,
        LastName: c.lastName,
        Email: c.email,
        Phone: crmPhone(c.phone),
        Title: c.title,
        CreatedDate: sfDateTime(c.createdAt),
      },
      modifiedAt: c.modifiedAt,
    })),
    opportunities: customer.orders.map((o) => crmOpportunity(customer, accountId, o, gen)),
    shipments: customer.orders.map((o) => crmShipmentOf(o, gen)).filter((s): s is CrmShipmentCopy => s !== null),
  };
}
