/**
 * Which fields suggest that two records in different systems are the same entity, how they are
 * normalised before comparing, and how much each agreement counts. Entities without identity
 * fields (orders: only their number identifies them) get no suggestions.
 */
import type { EntityKind, NormalizerName } from '@driftwatch/reconciliation-rules';

export interface IdentityField {
  field: string;
  normalize: NormalizerName[];
  weight: number;
}

export const IDENTITY_FIELDS: Partial<Record<EntityKind, readonly IdentityField[]>> = {
  customer: [
    { field: 'tax_id', normalize: ['upper', 'strip_punctuation', 'remove_whitespace'], weight: 0.5 },
    { field: 'email', normalize: ['email'], weight: 0.3 },
    { field: 'legal_name', normalize: ['company_suffix'], weight: 0.2 },
  ],
  contact: [
    { field: 'email', normalize: ['email'], weight: 0.6 },
    { field: 'phone', normalize: ['phone'], weight: 0.4 },
  ],
};

/** Candidates below this score are not suggested. */
export const MIN_SUGGESTION_SCORE = 0.2;
