import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { formatDateTime } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { useFixupDetail } from '../hooks/use-fixups';
import { FixupActions } from './fixup-actions';
import { FixupChanges } from './fixup-changes';

/** One fix-up task: what it writes, and every transition (who or what, when, why). */
export function FixupDetailPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const query = useFixupDetail(id);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);
  return (
    <aside className="detail-panel" aria-labelledby="fixup-detail-title">
      <div className="detail-head">
        <h2 id="fixup-detail-title" ref={heading} tabIndex={-1}>
          Fix-up task
        </h2>
        <button type="button" className="button" onClick={onClose} aria-label="Close fix-up task">
          Close
        </button>
      </div>
      <QueryState query={query} label="fix-up task">
        {({ task, transitions }) => (
          <>
            <p>
              <StatusBadge value={task.state} /> <span className="mono">{task.ruleId}</span>
            </p>
            <dl className="facts">
              <dt>Record</dt>
              <dd>
                {task.entity} <span className="mono">{task.matchKey}</span>
              </dd>
              <dt>Writes to</dt>
              <dd>
                <span className="system-tag">{task.targetSystem}</span> <span className="mono">{task.sourceKey}</span>
              </dd>
              <dt>Policy</dt>
              <dd>{task.policy}</dd>
              <dt>Attempts</dt>
              <dd>{task.attempts}</dd>
              <dt>Finding</dt>
              <dd>
                <Link to={`/exceptions?finding=${task.findingId}`}>open finding</Link>
              </dd>
            </dl>
            {task.stateReason && task.stateReason !== task.lastError && (
              <p className="small">
                Why {task.state}: {task.stateReason}
              </p>
            )}
            {task.lastError && <p className="error-text">Last error: {task.lastError}</p>}
            <FixupChanges changes={task.changes} />
            <FixupActions tasks={[task]} />
            <h3>Transitions</h3>
            <ol className="timeline">
              {transitions.map((t) => (
                <li key={t.id}>
                  <time dateTime={t.at}>{formatDateTime(t.at)}</time> {t.fromState ?? '—'} →{' '}
                  <strong>{t.toState}</strong> by {t.actor}
                  {t.reason ? `: ${t.reason}` : ''}
                </li>
              ))}
            </ol>
          </>
        )}
      </QueryState>
    </aside>
  );
}
