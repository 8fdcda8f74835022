import { useAuditLog } from '../../../api/audit';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { formatDateTime } from '../../../ui/formatting';
import { ErrorState, LoadingState } from '../../../ui/query-state';

/** Who did what to this finding: its audit trail (readable by stewards and admins). */
export function FindingHistory({ findingId }: { findingId: string }) {
  const role = useCurrentRole();
  const canRead = roleAllows(role, 'steward');
  const query = useAuditLog({ subjectId: findingId }, '-at', canRead, 20);
  if (!canRead) return <p className="muted">The audit trail of a finding is visible to stewards and admins.</p>;
  if (query.isPending) return <LoadingState label="audit trail" />;
  if (query.isError) return <ErrorState label="audit trail" error={query.error} />;
  const entries = query.data.pages.flatMap((p) => p.items);
  if (entries.length === 0)
    return <p className="muted">No audit entries for this finding (fix-up actions are in the task's trail below).</p>;
  return (
    <ol className="timeline" aria-label="Actions on this finding">
      {entries.map((e) => (
        <li key={e.id}>
          <time dateTime={e.at}>{formatDateTime(e.at)}</time> <span className="mono">{e.action}</span> by {e.actor}
        </li>
      ))}
    </ol>
  );
}
