import type { FindingObservation } from '../../../../backend/src/modules/findings/finding';

/** Observation `i` of a rule: a legal-name mismatch of customer `K<i>` (ERP owns, the CRM differs). */
export const mismatchObservation = (
  ruleId: string,
  i: number | string,
  over: Partial<FindingObservation> = {},
): FindingObservation => ({
  ruleId,
  ruleVersion: 1,
  entity: 'customer',
  matchKey: `K${i}`,
  field: 'legal_name',
  kind: 'mismatch',
  ownerSystem: 'erp',
  expectedValue: `Company ${i}`,
  actualSystem: 'crm',
  actualValue: `Company ${i} X`,
  details: '{}',
  score: 1,
  severity: 'high',
  domain: 'customer',
  ...over,
});
