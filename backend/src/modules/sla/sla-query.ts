import { defineReportQuery } from '../../http/report-query';

export const SYSTEM_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** `/api/v1/sla`: a range (default the last 7 days, at most 92) and an optional set of systems. */
export const SLA_QUERY = defineReportQuery({
  params: {
    system: {
      type: 'list',
      item: { type: 'string', pattern: SYSTEM_NAME },
      description: 'Only routes from or to these systems.',
    },
  },
  range: { defaultDays: 7, maxDays: 92 },
});
