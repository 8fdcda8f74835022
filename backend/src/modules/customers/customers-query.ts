import { defineListQuery, type ListQuery } from '../../http/list-query';
import { SYSTEM_NAME } from '../sla/sla-query';

/** A customer number in a path: what the snapshot pipeline stores (any text up to 100 characters, no controls). */
// eslint-disable-next-line no-control-regex
export const CUSTOMER_NUMBER = /^[^\u0000-\u001f\u007f/]{1,100}$/;

/** `GET /api/v1/customers`: search text (required), a system, cursor pagination by customer number. */
export const CUSTOMER_SEARCH_QUERY = defineListQuery({
  filters: {
    q: {
      type: 'string',
      maxLength: 100,
      description:
        'Required, at least 2 characters: a customer number prefix, part of a legal name, or an exact email (customer or contact).',
    },
    system: { type: 'string', pattern: SYSTEM_NAME, description: 'Only records of this system.' },
  },
  sortKeys: ['customerNumber'],
  defaultSort: 'customerNumber',
  defaultLimit: 20,
  maxLimit: 100,
  // Both parts are the last customer number of the page.
  cursor: { values: { customerNumber: CUSTOMER_NUMBER }, id: CUSTOMER_NUMBER },
});

export type CustomerSearchQuery = ListQuery<
  (typeof CUSTOMER_SEARCH_QUERY)['spec']['filters'],
  (typeof CUSTOMER_SEARCH_QUERY)['spec']['sortKeys'][number]
>;
