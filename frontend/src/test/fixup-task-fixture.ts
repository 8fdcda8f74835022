import type { FixupTask } from '../features/fix-ups/hooks/use-fixups';

/** One fix-up task as the API answers it (a CRM legal-name write waiting for a person), with `over` applied. */
export const fixupTaskFixture = (over: Partial<FixupTask> = {}): FixupTask => ({
  id: 't1',
  findingId: 'f'.repeat(32),
  ruleId: 'customer.legal-name',
  ruleKind: 'field_match',
  findingKind: 'mismatch',
  entity: 'customer',
  matchKey: 'C000017',
  targetSystem: 'crm',
  sourceKey: '001A',
  changes: [{ field: 'name', column: 'legal_name', expectedOld: 'Acme', newValue: 'Acme Holding International' }],
  policy: 'auto',
  state: 'needs_review',
  stateReason: null,
  attempts: 1,
  lastError: null,
  idempotencyKey: 't1:crm:legal_name',
  jobGeneration: 0,
  createdRunId: 'r1',
  resolvedRunId: null,
  createdAt: '2026-11-28T09:00:00Z',
  updatedAt: '2026-11-28T10:00:00Z',
  appliedAt: null,
  finishedAt: null,
  ...over,
});
