/**
 * The support desk's own copy, Zendesk-style: organizations (numeric ids, ERP customer number as
 * `external_id`, address folded into free-text `details`) and tickets linked to organizations.
 */
import type { CustomerTruth } from '../../generator/estate-generator';
import { COUNTRIES } from '../../generator/reference-data';
import { MultiIndex } from '../../store/multi-index';
import { Journal, RecordTable } from '../../store/record-table';

export const ORGANIZATION_ID_BASE = 360_000_000_000;
export const ORDER_NUMBER_FIELD_ID = 360_001_234_567;

export interface ZendeskOrganization {
  id: number;
  name: string;
  external_id: string | null;
  details: string;
  notes: string;
  domain_names: string[];
  group_id: number | null;
  shared_tickets: boolean;
  shared_comments: boolean;
  tags: string[];
  organization_fields: { customer_number: string | null; country: string; account_team: string };
  created_at: string;
}

export interface ZendeskTicket {
  id: number;
  subject: string;
  description: string;
  status: string;
  priority: string;
  type: string;
  organization_id: number | null;
  requester_id: number;
  tags: string[];
  custom_fields: { id: number; value: string | null }[];
  created_at: string;
}

export class ZendeskStore {
  readonly organizations: RecordTable<ZendeskOrganization>;
  readonly tickets: RecordTable<ZendeskTicket>;
  private readonly byExternalId = new MultiIndex<number>();
  nextOrganizationId = ORGANIZATION_ID_BASE + 900_000_000;
  nextTicketId = 900_000_000;

  constructor(journal = new Journal(null)) {
    this.organizations = new RecordTable('organizations', (o) => String(o.id), journal);
    this.tickets = new RecordTable('tickets', (t) => String(t.id), journal);
  }

  putOrganization(org: ZendeskOrganization, modifiedAt: number, journaled = true): void {
    const previous = this.organizations.get(String(org.id))?.record;
    if (previous?.external_id) this.byExternalId.remove(previous.external_id.toLowerCase(), org.id);
    if (org.external_id) this.byExternalId.add(org.external_id.toLowerCase(), org.id);
    if (journaled) this.organizations.put(org, modifiedAt);
    else this.organizations.load(org, modifiedAt);
  }

  putTicket(ticket: ZendeskTicket, modifiedAt: number, journaled = true): void {
    if (journaled) this.tickets.put(ticket, modifiedAt);
    else this.tickets.load(ticket, modifiedAt);
  }

  organizationIdsByExternalId(externalId: string): number[] {
    return this.byExternalId.get(externalId.toLowerCase());
  }
}

export function organizationIdOf(customerIndex: number): number {
  return ORGANIZATION_ID_BASE + customerIndex + 1;
}

export interface SupportCopy {
  organization: ZendeskOrganization;
  modifiedAt: number;
  tickets: { record: ZendeskTicket; modifiedAt: number }[];
}

export function supportCopyOf(customer: CustomerTruth): SupportCopy {
  const b = customer.billing;
  const orgId = organizationIdOf(customer.index);
  return {
    organization: {
      id: orgId,
      name: customer.legalName,
      external_id: customer.customerNumber,
      details: [b.line1, b.line2, `${b.postalCode} ${b.city}`, COUNTRIES[b.country].name].filter(Boolean).join(', '),
      notes: '',
      domain_names: [customer.website.replace(/^https:\/\/www\./, '')],
      group_id: null,
      shared_tickets: false,
      shared_comments: false,
      tags: [customer.country.toLowerCase(), customer.status === 'blocked' ? 'blocked' : 'active'],
      organization_fields: {
        customer_number: customer.customerNumber,
        country: customer.country,
        account_team: customer.accountTeam,
      },
      created_at: new Date(customer.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    modifiedAt: customer.modifiedAt,
    tickets: customer.tickets.map((t) => ({
      record: {
        id: t.ticketIndex + 1,
        subject: t.subject,
        description: `${t.subject} (${customer.legalName})`,
        status: t.status,
        priority: t.priority,
        type: 'incident',
        organization_id: orgId,
        requester_id: 10_000_000 + (customer.contacts[0]?.contactIndex ?? 0),
        tags: t.orderNumber ? ['order'] : [],
        custom_fields: [{ id: ORDER_NUMBER_FIELD_ID, value: t.orderNumber || null }],
        created_at: new Date(t.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      modifiedAt: t.modifiedAt,
    })),
  };
}
