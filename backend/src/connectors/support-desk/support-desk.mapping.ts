import type { ConnectorMapping } from '../mapping/entity-mapping';

/** Zendesk organizations (the support desk's copy of customers) and tickets → canonical. */
export const SUPPORT_DESK_MAPPING: ConnectorMapping = {
  customer: {
    key: 'id',
    updatedAt: 'updated_at',
    fields: {
      customerNumber: { from: 'external_id', normalize: 'string', writable: false },
      legalName: { from: 'name', normalize: 'string', required: true },
      country: { from: 'organization_fields.country', normalize: 'country', writable: false },
      'billingAddress.line1': { from: 'details', normalize: 'string', writable: false },
      accountTeam: { from: 'organization_fields.account_team', normalize: 'string', writable: false },
      status: { constant: 'active' },
    },
  },
  ticket: {
    key: 'id',
    updatedAt: 'updated_at',
    fields: {
      organizationKey: { from: 'organization_id', normalize: 'string', writable: false },
      subject: { from: 'subject', normalize: 'string', writable: false },
      status: { from: 'status', normalize: 'string', required: true },
      priority: { from: 'priority', normalize: 'string', writable: false },
    },
  },
};
