// The quoting module lives with the rule compiler so both share one implementation.
export {
  SqlFragment,
  SqlQuotingError,
  sql,
  ident,
  qualified,
  literal,
  list,
  array,
  join,
  raw,
  uint,
  formatDateTime,
} from '@driftwatch/reconciliation-rules';
export type { SqlValue } from '@driftwatch/reconciliation-rules';
