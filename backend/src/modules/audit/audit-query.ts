import { defineListQuery } from '../../http/list-query';

const IDENTIFIER = /^[\w.:@-]+$/;

/** Filters and sort keys of `GET /api/v1/audit`; the repository maps each to a column. */
export const AUDIT_LIST_QUERY = defineListQuery({
  filters: {
    actor: {
      type: 'string',
      pattern: IDENTIFIER,
      description: 'Exact actor, e.g. api-key:0123456789ab or oidc:<sub>.',
    },
    action: { type: 'string', pattern: /^[\w.:/ -]+$/, description: 'Exact action, e.g. api-key.create.' },
    subjectType: { type: 'string', pattern: IDENTIFIER, description: 'Exact subject type, e.g. api_key.' },
    subjectId: { type: 'string', pattern: IDENTIFIER, description: 'Exact subject id.' },
    requestId: { type: 'string', pattern: /^[\w.-]{1,64}$/, description: 'The x-request-id of the request.' },
    from: { type: 'datetime', description: 'Entries at or after this time.' },
    to: { type: 'datetime', description: 'Entries before this time.' },
  },
  sortKeys: ['at', 'actor', 'action'],
  defaultSort: '-at',
  defaultLimit: 50,
  maxLimit: 500,
  cursor: { values: { at: 'timestamp', actor: 'text', action: 'text' }, id: 'bigint' },
});

export type AuditListQuery = ReturnType<typeof AUDIT_LIST_QUERY.parse>;
