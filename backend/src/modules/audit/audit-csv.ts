import type { AuditEntryView } from './audit-entry';

export const AUDIT_CSV_HEADER = 'id,at,actor,action,subject_type,subject_id,request_id,before,after\r\n';

/**
 * One RFC 4180 field. Cells that a spreadsheet would run as a formula (= + - @ tab CR) get a leading
 * apostrophe, because audit values can be chosen by callers.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const auditCsvLine = (row: AuditEntryView): string =>
  [row.id, row.at, row.actor, row.action, row.subjectType, row.subjectId, row.requestId, row.before, row.after]
    .map(csvField)
    .join(',') + '\r\n';
