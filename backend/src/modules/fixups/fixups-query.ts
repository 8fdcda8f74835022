import { defineListQuery, type ListQuery } from '../../http/list-query';
import { FIX_POLICIES, FIXUP_STATES, OPEN_FILTER, REVIEW_REASONS } from './fixup-task';

const name = /^[A-Za-z0-9_.:-]+$/;

/** Filters and sort keys the fix-up task list accepts. */
export const FIXUPS_LIST_QUERY = defineListQuery({
  filters: {
    state: {
      type: 'enum',
      values: [...FIXUP_STATES, OPEN_FILTER],
      description: `Task state, or \`${OPEN_FILTER}\` for every state but done and dismissed.`,
    },
    ruleId: { type: 'string', pattern: name, description: 'Rule id.' },
    system: { type: 'string', pattern: name, description: 'Target system (connector id) the task writes to.' },
    policy: { type: 'enum', values: FIX_POLICIES, description: 'Fix policy the task was created under.' },
    findingId: { type: 'string', pattern: /^[0-9a-f]{32}$/, description: 'The finding the task fixes.' },
    createdRunId: { type: 'string', pattern: /^[0-9a-f-]{36}$/, description: 'Reconciliation run that created it.' },
  },
  sortKeys: ['createdAt', 'updatedAt'],
  defaultSort: '-createdAt',
  cursor: { values: { createdAt: 'timestamp', updatedAt: 'timestamp' }, id: 'uuid' },
});

export type FixupsListQuery = ListQuery<
  (typeof FIXUPS_LIST_QUERY)['spec']['filters'],
  (typeof FIXUPS_LIST_QUERY)['spec']['sortKeys'][number]
>;

/** The review list (tasks waiting for a person): the task filters plus why the task waits. */
export const FIXUP_REVIEWS_LIST_QUERY = defineListQuery({
  ...FIXUPS_LIST_QUERY.spec,
  filters: {
    ...FIXUPS_LIST_QUERY.spec.filters,
    reason: {
      type: 'enum',
      values: REVIEW_REASONS,
      description:
        'Why the task waits: validation_failure (the target refused the write), conflict (the value changed ' +
        'since), needs_decision (a person decides before anything is written).',
    },
  },
});

export type FixupReviewsListQuery = ListQuery<
  (typeof FIXUP_REVIEWS_LIST_QUERY)['spec']['filters'],
  (typeof FIXUP_REVIEWS_LIST_QUERY)['spec']['sortKeys'][number]
>;
