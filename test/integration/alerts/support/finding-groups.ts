import type { FindingGroup } from '../../../../backend/src/modules/alerts/alert-evaluator';

/** A run's findings of one credit rule, as RunAlertsService hands them over (routed to #credit-ops). */
export function creditGroup(ruleId: string, title: string, open: number, fresh = open): FindingGroup {
  return {
    ruleId,
    title,
    domain: 'credit',
    severity: 'high',
    counts: { new: fresh, open, resolved: 0 },
    recordsChecked: 100,
    examples: [],
  };
}
