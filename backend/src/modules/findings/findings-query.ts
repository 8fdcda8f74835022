import { defineListQuery, type ListQuery } from '../../http/list-query';
import { ACTIVE_FILTER, ASSIGNEE_MAX_LENGTH, ASSIGNEE_ME, FINDING_ID, FINDING_STATUSES, UNASSIGNED } from './finding';

const name = /^[A-Za-z0-9_.:-]+$/;

/** Filters and sort keys the findings list and export accept. */
export const FINDINGS_LIST_QUERY = defineListQuery({
  filters: {
    status: {
      type: 'enum',
      values: [...FINDING_STATUSES, ACTIVE_FILTER],
      description: `Lifecycle status, or \`${ACTIVE_FILTER}\` for new, open and reopened at once.`,
    },
    ruleId: { type: 'string', pattern: name, description: 'Rule id.' },
    entity: { type: 'string', pattern: name, description: 'Entity, e.g. customer.' },
    kind: { type: 'string', pattern: name, description: 'Finding kind, e.g. mismatch, missing.' },
    severity: { type: 'enum', values: ['info', 'low', 'medium', 'high', 'critical'] },
    domain: { type: 'enum', values: ['customer', 'credit', 'order', 'contact'] },
    actualSystem: { type: 'string', pattern: name, description: 'The system holding the actual value.' },
    matchKey: { type: 'string', description: 'The cross-system key of the record.' },
    lastRunId: {
      type: 'string',
      pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      description: 'Findings last seen by this run.',
    },
    assignee: {
      type: 'string',
      maxLength: ASSIGNEE_MAX_LENGTH,
      description: `Who works on the finding: a name, \`${ASSIGNEE_ME}\` (the caller) or \`${UNASSIGNED}\`.`,
    },
  },
  // statusChangedAt: the list's indexes end in it (a sighting does not move it, so sightings are HOT
  // updates; migration 0016). The others sort every match: narrow the list with filters first.
  sortKeys: ['statusChangedAt', 'lastSeenAt', 'firstSeenAt', 'occurrences', 'matchKey'],
  defaultSort: '-statusChangedAt',
  cursor: {
    values: {
      statusChangedAt: 'timestamp',
      lastSeenAt: 'timestamp',
      firstSeenAt: 'timestamp',
      occurrences: 'integer',
      matchKey: 'text',
    },
    id: FINDING_ID,
  },
});

export type FindingsListQuery = ListQuery<
  (typeof FINDINGS_LIST_QUERY)['spec']['filters'],
  (typeof FINDINGS_LIST_QUERY)['spec']['sortKeys'][number]
>;
