/**
 * The canonical model every connector maps into. Field names here are the column names (in
 * snake_case) of the ClickHouse snapshot tables and the field names rules compare.
 */

export const ENTITY_KINDS = ['customer', 'contact', 'credit_profile', 'order', 'shipment', 'ticket'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];
/**
 * The longest record key or match key the API takes (snapshot and run targets): vendor ids are short
 * (Salesforce 18, F&O account numbers 20); anything longer is a client error, not a key.
 */
export const MAX_KEY_LENGTH = 255;

export interface Address {
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  region: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface Customer {
  /** The ERP customer number: the cross-system identity where a system stores it (CRM external id). */
  customerNumber: string;
  legalName: string;
  taxId: string;
  billingAddress: Address;
  shippingAddress: Address;
  country: string;
  /** Source key of the parent customer in the same system, '' when none. */
  parentKey: string;
  /** active | inactive | blocked | prospect */
  status: string;
  /** E.164 */
  phone: string;
  email: string;
  accountTeam: string;
}

export interface Contact {
  customerKey: string;
  customerNumber: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  title: string;
}

export interface CreditProfile {
  customerKey: string;
  customerNumber: string;
  creditLimit: number;
  /** ISO 4217 */
  currency: string;
  /** Canonical payment terms code, e.g. NET30 (connectors map N30 / "Net 30" to it). */
  paymentTerms: string;
  creditHold: boolean;
}

export interface Order {
  orderNumber: string;
  customerKey: string;
  customerNumber: string;
  /** draft | confirmed | processing | shipped | delivered | cancelled | on_hold */
  status: string;
  statusChangedAt: Date | null;
  total: number;
  currency: string;
}

export interface Shipment {
  orderNumber: string;
  /** picked | packed | shipped | delivered */
  milestone: string;
  milestoneAt: Date | null;
  carrier: string;
  trackingNumber: string;
}

export interface Ticket {
  organizationKey: string;
  customerNumber: string;
  subject: string;
  /** new | open | pending | solved | closed */
  status: string;
  priority: string;
}

export interface EntityFields {
  customer: Customer;
  contact: Contact;
  credit_profile: CreditProfile;
  order: Order;
  shipment: Shipment;
  ticket: Ticket;
}

/** One record of one system, in canonical form, with where it came from. */
export interface CanonicalRecord<E extends EntityKind = EntityKind> {
  entity: E;
  /** The connector instance id, e.g. `crm`, `erp`, `wms`. */
  system: string;
  /** The record's key in its own system (Salesforce Id, Dynamics CustomerAccount, Tryton id). */
  sourceKey: string;
  sourceUpdatedAt: Date | null;
  fields: EntityFields[E];
  /** A short excerpt of the source payload, kept for rejects and side-by-side diffs. */
  rawExcerpt: string;
}

/** A source record that could not be mapped; it is stored with the reason, never dropped. */
export interface RejectedRecord {
  entity: EntityKind;
  system: string;
  sourceKey: string;
  reason: string;
  rawExcerpt: string;
}
