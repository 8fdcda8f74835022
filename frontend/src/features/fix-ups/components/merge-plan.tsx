import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { formatDateTime } from '../../../ui/formatting';
import { ErrorState, LoadingState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { actionApplies, type FixupTask } from '../hooks/use-fixups';
import { useDecisionTasks, type MergeDecision, type StewardshipItem } from '../hooks/use-stewardship';
import { FixupActions } from './fixup-actions';
import { FixupChanges } from './fixup-changes';

/** `finding_kind` of the tasks a merge makes (backend merge-fixup-planner.ts). */
const TASK_ROLE: Record<string, string> = {
  merge_survivor: 'Survivor takes the chosen values',
  merge_duplicate: 'Retire the duplicate',
};

/**
 * What a merge decision planned: the survivor's field writes and one "retire" task per losing
 * duplicate, each with its current state, a link to it in the fix-up tasks and the actions the role
 * may take. Shown right after the decision and whenever the decided item is opened again.
 */
export function MergePlan({
  item,
  decision,
  focusOnMount,
  onPlanAgain,
  planning,
}: {
  item: StewardshipItem;
  decision: MergeDecision;
  /** Move keyboard focus to the plan (after the steward submitted the merge). */
  focusOnMount: boolean;
  /** Sends the same decision again, which plans only the tasks that are missing (steward only). */
  onPlanAgain?: () => void;
  planning: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnMount) heading.current?.focus();
  }, [focusOnMount]);
  const ids = decision.fixupTaskIds ?? [];
  const chosen = Object.entries(decision.fields).filter(([, from]) => from !== decision.survivor);

  return (
    <section className="merge-plan" aria-labelledby="merge-plan-title">
      <h3 id="merge-plan-title" ref={heading} tabIndex={-1}>
        Merge decision
      </h3>
      <dl className="facts">
        <dt>Survivor</dt>
        <dd>
          <span className="system-tag">{item.system}</span> <span className="mono">{decision.survivor}</span>
        </dd>
        <dt>Retired</dt>
        <dd>
          {(decision.duplicates ?? []).length === 0
            ? '—'
            : (decision.duplicates ?? []).map((d) => (
                <span key={d.entityKey} className="mono plan-key">
                  {d.entityKey}
                </span>
              ))}
        </dd>
        <dt>Values kept</dt>
        <dd>
          {chosen.length === 0
            ? 'all from the survivor'
            : chosen.map(([field, from]) => (
                <span key={field} className="plan-key">
                  <span className="mono">{field}</span> from <span className="mono">{from}</span>
                </span>
              ))}
        </dd>
        <dt>Decided</dt>
        <dd>
          {item.decidedBy ?? '—'} · {formatDateTime(item.decidedAt)}
          {item.reason ? ` · ${item.reason}` : ''}
        </dd>
      </dl>
      <h4>Planned fix-up tasks</h4>
      {ids.length === 0 ? (
        <div className="fixup-box">
          <p className="muted">
            No fix-up task is recorded for this decision yet (planning runs right after the decision; it did not
            finish).
          </p>
          {onPlanAgain && (
            <button type="button" className="button" disabled={planning} onClick={onPlanAgain}>
              Plan missing tasks
            </button>
          )}
        </div>
      ) : (
        <PlanTasks ids={ids} />
      )}
    </section>
  );
}

function PlanTasks({ ids }: { ids: string[] }) {
  const { tasks, pending, error, refetch } = useDecisionTasks(ids);
  const role = useCurrentRole();
  if (pending) return <LoadingState label="planned fix-up tasks" />;
  if (error) return <ErrorState label="planned fix-up tasks" error={error} onRetry={refetch} />;
  const approvable = tasks.filter((t) => actionApplies('approve', t));
  return (
    <>
      <p className="muted">
        {tasks.length} task{tasks.length === 1 ? '' : 's'}: {summary(tasks)}
      </p>
      {approvable.length > 1 && roleAllows(role, 'steward') && (
        <FixupActions tasks={approvable} only={['approve']} label="Approve every planned task" />
      )}
      <ul className="plan-tasks" aria-label="Planned fix-up tasks">
        {tasks.map((task) => (
          <li key={task.id} className="fixup-box">
            <p>
              <strong>{TASK_ROLE[task.findingKind] ?? task.findingKind}</strong> ·{' '}
              <span className="system-tag">{task.targetSystem}</span> <span className="mono">{task.sourceKey}</span>{' '}
              <StatusBadge value={task.state} /> <span className="muted small">{task.policy}</span>
            </p>
            {task.changes.length === 0 && task.findingKind === 'merge_duplicate' ? (
              <p className="small">Retire: no write ({task.targetSystem} has none); to be done by hand.</p>
            ) : (
              <FixupChanges changes={task.changes} />
            )}
            {task.state === 'needs_review' && task.stateReason && <p className="warn-text small">{task.stateReason}</p>}
            {task.lastError && task.lastError !== task.stateReason && (
              <p className="error-text small">{task.lastError}</p>
            )}
            <p className="small">
              <Link to={`/fix-ups?task=${task.id}`}>
                Open task <span className="visually-hidden">{`${task.targetSystem} ${task.sourceKey}`}</span>
              </Link>{' '}
              · updated {formatDateTime(task.updatedAt)}
            </p>
            <FixupActions tasks={[task]} label={`Actions on task ${task.targetSystem} ${task.sourceKey}`} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** "2 proposed, 1 needs_review", in the order states first appear. */
function summary(tasks: FixupTask[]): string {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}
