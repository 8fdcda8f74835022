import { defineListQuery, type ListQuery } from '../../http/list-query';
import { ITEM_KINDS, ITEM_STATES } from './stewardship-item';

const name = /^[A-Za-z0-9_.:-]+$/;

/** Filters and sort keys the stewardship queue accepts. */
export const STEWARDSHIP_LIST_QUERY = defineListQuery({
  filters: {
    kind: { type: 'enum', values: ITEM_KINDS, description: 'Item kind.' },
    state: { type: 'enum', values: ITEM_STATES, description: 'open, decided or dismissed.' },
    ruleId: { type: 'string', pattern: name, description: 'The rule whose finding raised the item.' },
    system: { type: 'string', pattern: name, description: 'The system the subject record lives in.' },
    entity: { type: 'string', pattern: name, description: 'Entity, e.g. customer.' },
    assignee: { type: 'string', maxLength: 200, description: 'Who the item is assigned to.' },
  },
  sortKeys: ['createdAt', 'updatedAt', 'score'],
  defaultSort: '-createdAt',
  cursor: { values: { createdAt: 'timestamp', updatedAt: 'timestamp', score: 'float' }, id: 'uuid' },
});

export type StewardshipListQuery = ListQuery<
  (typeof STEWARDSHIP_LIST_QUERY)['spec']['filters'],
  (typeof STEWARDSHIP_LIST_QUERY)['spec']['sortKeys'][number]
>;
