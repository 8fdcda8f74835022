import { useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { formatDateTime } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { actionApplies, type FixupTask } from '../hooks/use-fixups';
import {
  REVIEW_KINDS,
  useReviewDecision,
  useStewardshipReviews,
  type ReviewDecision,
  type ReviewItem,
  type ReviewKind,
} from '../hooks/use-stewardship';
import { FixupChanges } from './fixup-changes';
import { LoadMoreButton } from '../../../ui/load-more-button';

export const REVIEW_LABELS: Record<ReviewKind, string> = {
  validation_failure: 'validation failure',
  conflict: 'conflict',
  needs_decision: 'needs decision',
};

/** CorrectiveSyncService's prefix of the last error when the target answers `rejected`. */
const REFUSED = 'the target refused the write: ';

const text = (v: unknown) =>
  v === null || v === undefined || v === '' ? '∅' : typeof v === 'string' ? v : JSON.stringify(v);

/** Fix-up tasks waiting for a person, with why each waits (refused by the target, conflict, a decision first). */
export function StewardshipReviews() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('reason');
  const reason = REVIEW_KINDS.find((k) => k === raw) ?? null;
  const query = useStewardshipReviews(reason);
  // A decided task leaves the list (and takes the focused button with it): say what happened and keep
  // keyboard focus on the page.
  const [outcome, setOutcome] = useState('');
  const outcomeRef = useRef<HTMLParagraphElement>(null);
  const decided = (message: string) => {
    setOutcome(message);
    outcomeRef.current?.focus();
  };

  return (
    <>
      <div className="filter-bar" role="group" aria-label="Filter reviews">
        <label className="field">
          <span>Reason</span>
          <select
            value={reason ?? ''}
            onChange={(e) =>
              setParams((current) => {
                const next = new URLSearchParams(current);
                if (e.target.value) next.set('reason', e.target.value);
                else next.delete('reason');
                return next;
              })
            }
          >
            <option value="">any</option>
            {REVIEW_KINDS.map((k) => (
              <option key={k} value={k}>
                {REVIEW_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p ref={outcomeRef} tabIndex={-1} role="status" className="muted">
        {outcome}
      </p>
      <QueryState
        query={query}
        label="fix-up tasks waiting for review"
        isEmpty={(d) => d.items.length === 0 && !query.hasNextPage}
        emptyText={
          reason ? `No fix-up task waits with reason “${REVIEW_LABELS[reason]}”.` : 'No fix-up task waits for review.'
        }
      >
        {(data) => (
          <>
            <div className="table-scroll">
              <table className="data-table">
                <caption className="visually-hidden">Fix-up tasks waiting for review</caption>
                <thead>
                  <tr>
                    <th scope="col">Reason</th>
                    <th scope="col">Record</th>
                    <th scope="col">Details</th>
                    <th scope="col" className="optional">
                      Rule
                    </th>
                    <th scope="col">Waiting since</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <ReviewRow key={r.task.id} review={r} onDecided={decided} />
                  ))}
                </tbody>
              </table>
            </div>
            <LoadMoreButton query={query} />
          </>
        )}
      </QueryState>
    </>
  );
}

function ReviewRow({ review, onDecided }: { review: ReviewItem; onDecided: (message: string) => void }) {
  const { kind, task } = review;
  const record = `${task.entity} ${task.matchKey}`;
  return (
    <tr>
      <td>
        <span className={`badge badge-${kind === 'needs_decision' ? 'warn' : 'bad'}`}>{REVIEW_LABELS[kind]}</span>
        {task.state !== kind && (
          <div className="small">
            <StatusBadge value={task.state} />
          </div>
        )}
      </td>
      <td>
        <Link to={`/fix-ups?task=${task.id}`}>{record}</Link> → <span className="system-tag">{task.targetSystem}</span>{' '}
        <span className="mono">{task.sourceKey}</span>
        {task.findingKind.startsWith('merge_') && <div className="muted small">from a merge decision</div>}
      </td>
      <td>
        <ReviewReason review={review} />
      </td>
      <td className="mono optional">{task.ruleId}</td>
      <td>{formatDateTime(task.updatedAt)}</td>
      <td>
        <ReviewActions task={task} record={record} onDecided={onDecided} />
      </td>
    </tr>
  );
}

/** Why the task waits, in the words of whoever stopped it. */
export function ReviewReason({ review }: { review: ReviewItem }) {
  const { kind, task } = review;
  switch (kind) {
    case 'validation_failure': {
      const message = task.lastError?.startsWith(REFUSED) ? task.lastError.slice(REFUSED.length) : task.lastError;
      return (
        <>
          <p className="small">
            <span className="system-tag">{task.targetSystem}</span> refused the write:{' '}
            <span className="error-text">{message || 'no message given'}</span>
          </p>
          <FixupChanges changes={task.changes} />
        </>
      );
    }
    case 'conflict':
      return <ConflictValues task={task} currentValues={review.currentValues} />;
    case 'needs_decision':
      return (
        <>
          <p className="small">
            {task.stateReason ?? task.lastError ?? 'A person decides before anything is written.'}
          </p>
          <FixupChanges changes={task.changes} />
        </>
      );
  }
}

/** A conflict: the value the write expected, the value it would write, and what the target holds now. */
function ConflictValues({ task, currentValues }: { task: FixupTask; currentValues: Record<string, unknown> | null }) {
  const [show, setShow] = useState(false);
  const id = `conflict-${task.id}`;
  return (
    <>
      <p className="small">
        Changed in <span className="system-tag">{task.targetSystem}</span> since the finding; not overwritten.
      </p>
      {show ? (
        <CurrentValuesTable task={task} currentValues={currentValues} id={id} />
      ) : (
        <ul className="change-list">
          {task.changes.map((c) => (
            <li key={c.field}>
              <span className="mono">{c.field}</span>: expected <span className="value">{text(c.expectedOld)}</span>,
              would write <span className="value value-new">{text(c.newValue)}</span>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        className="link-button small"
        aria-expanded={show}
        aria-controls={id}
        onClick={() => setShow(!show)}
      >
        {show ? 'Hide current values' : 'Show current values'}
      </button>
    </>
  );
}

function CurrentValuesTable({
  task,
  currentValues,
  id,
}: {
  task: FixupTask;
  currentValues: Record<string, unknown> | null;
  id: string;
}) {
  return (
    <div id={id}>
      <table className="data-table compact">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Expected</th>
            <th scope="col">Current</th>
            <th scope="col">Would write</th>
          </tr>
        </thead>
        <tbody>
          {task.changes.map((c) => (
            <tr key={c.field}>
              <th scope="row" className="mono">
                {c.field}
              </th>
              <td className="value">{text(c.expectedOld)}</td>
              <td className="value value-differs">
                {currentValues === null ? 'not recorded' : text(currentValues[c.field])}
              </td>
              <td className="value value-new">{text(c.newValue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The decisions the role may take on a waiting task: stewards approve (a task with something to
 * write), retry (a conflict) or dismiss with a reason; engineers may retry a conflict; viewers nothing.
 */
function ReviewActions({
  task,
  record,
  onDecided,
}: {
  task: FixupTask;
  record: string;
  onDecided: (message: string) => void;
}) {
  const role = useCurrentRole();
  const steward = roleAllows(role, 'steward');
  const decide = useReviewDecision();
  const [dismissing, setDismissing] = useState(false);
  const [reason, setReason] = useState('');
  const options = (['approve', 'retry'] as const).filter(
    (a) => actionApplies(a, task) && (steward || (a === 'retry' && roleAllows(role, 'engineer'))),
  );
  const canDismiss = steward && actionApplies('dismiss', task);
  if (options.length === 0 && !canDismiss) return <span className="muted small">—</span>;
  const past: Record<ReviewDecision, string> = { approve: 'approved', retry: 'retried', dismiss: 'dismissed' };
  const run = (decision: ReviewDecision, why?: string) =>
    decide.mutate(
      { taskId: task.id, decision, reason: why, asSteward: steward },
      {
        onSuccess: (o) =>
          onDecided(
            o.changed.length > 0
              ? `Task ${record} → ${task.targetSystem} ${task.sourceKey} ${past[decision]}.`
              : `Task ${record} was not ${past[decision]}: it moved meanwhile.`,
          ),
      },
    );
  const labels: Record<'approve' | 'retry', string> = {
    approve: task.lastError?.startsWith(REFUSED) ? 'Approve again' : 'Approve',
    retry: 'Retry',
  };

  return (
    <div className="toolbar" role="group" aria-label={`Review actions for ${record} in ${task.targetSystem}`}>
      {options.map((a) => (
        <button
          key={a}
          type="button"
          className={a === 'approve' ? 'button primary' : 'button'}
          disabled={decide.isPending}
          onClick={() => run(a)}
        >
          {labels[a]}
        </button>
      ))}
      {canDismiss &&
        (dismissing ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              run('dismiss', reason.trim());
            }}
          >
            <label>
              <span className="visually-hidden">Reason for dismissing {record}</span>
              <input
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="Why dismiss? (3+ characters)"
                minLength={3}
                required
                autoFocus
              />
            </label>
            <button type="submit" className="button danger" disabled={decide.isPending}>
              Dismiss
            </button>
            <button type="button" className="button" onClick={() => setDismissing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button type="button" className="button danger" onClick={() => setDismissing(true)}>
            Dismiss
          </button>
        ))}
      {decide.isError && (
        <span role="alert" className="error-text small">
          {decide.error.message}
        </span>
      )}
    </div>
  );
}
