import { defineReportQuery } from '../../http/report-query';
import { SYSTEM_NAME } from '../sla/sla-query';
import { TREND_DIMENSIONS } from './dashboard.repository';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const DOMAINS = ['customer', 'credit', 'order', 'contact'] as const;
const RULE_ID = /^[A-Za-z0-9_.:-]{1,120}$/;

const system = {
  type: 'list',
  item: { type: 'string', pattern: SYSTEM_NAME },
  description: 'Only findings whose actual system is one of these.',
} as const;

/** `/api/v1/dashboard/overview`: a range (default 30 days, at most 366) and systems. */
export const OVERVIEW_QUERY = defineReportQuery({
  params: {
    system,
    top: { type: 'int', min: 1, max: 50, description: 'How many top rules (default 10).' },
  },
  range: { defaultDays: 30, maxDays: 366 },
});

/** `/api/v1/dashboard/trends`: series per day or week, per domain, severity or rule. */
export const TRENDS_QUERY = defineReportQuery({
  params: {
    interval: {
      type: 'enum',
      values: ['day', 'week'],
      description: 'Bucket size (default day; weeks start Monday, UTC).',
    },
    groupBy: {
      type: 'enum',
      values: TREND_DIMENSIONS,
      description: 'One series per value of this (default severity).',
    },
    system,
    domain: { type: 'list', item: { type: 'enum', values: DOMAINS } },
    severity: { type: 'list', item: { type: 'enum', values: SEVERITIES } },
    ruleId: { type: 'list', item: { type: 'string', pattern: RULE_ID } },
  },
  range: { defaultDays: 30, maxDays: 366 },
});
