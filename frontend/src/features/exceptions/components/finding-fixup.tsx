import { Link } from 'react-router';
import { formatDateTime } from '../../../ui/formatting';
import { ErrorState, LoadingState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { FixupActions } from '../../fix-ups/components/fixup-actions';
import { FixupChanges } from '../../fix-ups/components/fixup-changes';
import { useFixupDetail, useTasksOfFindings } from '../../fix-ups/hooks/use-fixups';

/** The fix-up task of a finding: what it would write, its state and trail, and the actions the role may take. */
export function FindingFixup({ findingId }: { findingId: string }) {
  const { tasks, pending, error } = useTasksOfFindings([findingId]);
  if (pending) return <LoadingState label="fix-up task" />;
  if (error) return <ErrorState label="fix-up task" error={error} />;
  if (tasks.length === 0) return <p className="muted">No fix-up task for this finding.</p>;
  return (
    <>
      {tasks.map((task) => (
        <div key={task.id} className="fixup-box">
          <p>
            <StatusBadge value={task.state} /> writes to <span className="system-tag">{task.targetSystem}</span> ·{' '}
            {task.policy} · <Link to={`/fix-ups?task=${task.id}`}>task</Link>
          </p>
          <FixupChanges changes={task.changes} />
          {task.lastError && <p className="error-text small">{task.lastError}</p>}
          <FixupActions tasks={[task]} />
          <FixupTrail taskId={task.id} />
        </div>
      ))}
    </>
  );
}

function FixupTrail({ taskId }: { taskId: string }) {
  const detail = useFixupDetail(taskId);
  if (!detail.data) return null;
  return (
    <ol className="timeline" aria-label="Fix-up task history">
      {detail.data.transitions.map((t) => (
        <li key={t.id}>
          <time dateTime={t.at}>{formatDateTime(t.at)}</time> {t.fromState ?? '—'} → <strong>{t.toState}</strong> by{' '}
          {t.actor}
          {t.reason ? `: ${t.reason}` : ''}
        </li>
      ))}
    </ol>
  );
}
