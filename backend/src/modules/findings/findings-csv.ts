import { csvField } from '../audit/audit-csv';
import type { FindingView } from './findings.dto';

export const FINDINGS_CSV_HEADER =
  'id,status,severity,domain,rule_id,rule_version,entity,match_key,field,kind,owner_system,expected_value,' +
  'actual_system,actual_value,occurrences,first_seen_at,last_seen_at,status_changed_at,resolved_at,assignee,assigned_at,suppressed_by,suppressed_reason,suppressed_at,suppressed_until,details\r\n';

/** One CSV line; csvField neutralises spreadsheet formulas because values come from source systems. */
export const findingCsvLine = (f: FindingView): string =>
  [
    f.id,
    f.status,
    f.severity,
    f.domain,
    f.ruleId,
    f.ruleVersion,
    f.entity,
    f.matchKey,
    f.field,
    f.kind,
    f.ownerSystem,
    f.expectedValue,
    f.actualSystem,
    f.actualValue,
    f.occurrences,
    f.firstSeenAt,
    f.lastSeenAt,
    f.statusChangedAt,
    f.resolvedAt,
    f.assignee,
    f.assignedAt,
    f.suppressedBy,
    f.suppressedReason,
    f.suppressedAt,
    f.suppressedUntil,
    f.details,
  ]
    .map(csvField)
    .join(',') + '\r\n';
