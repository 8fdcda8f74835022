import { useState } from 'react';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { ACTIONS, actionApplies, useFixupAction, type FixupAction, type FixupTask } from '../hooks/use-fixups';

/**
 * The actions the signed-in role may take on the given tasks (none are shown to a viewer). Dismiss
 * asks for a reason, which the API keeps in the task trail and the audit log.
 */
export function FixupActions({
  tasks,
  onDone,
  only,
  label = 'Fix-up actions',
}: {
  tasks: FixupTask[];
  onDone?: () => void;
  /** Offer only these actions (e.g. a plan's "approve all"). */
  only?: FixupAction[];
  /** Accessible name of the group, when several are on one screen. */
  label?: string;
}) {
  const role = useCurrentRole();
  const action = useFixupAction();
  const [dismissing, setDismissing] = useState(false);
  const [reason, setReason] = useState('');
  const available = (only ?? (Object.keys(ACTIONS) as FixupAction[])).filter(
    (a) => roleAllows(role, ACTIONS[a].role) && tasks.some((t) => actionApplies(a, t)),
  );
  if (available.length === 0) return null;

  const run = (a: FixupAction, why?: string) => {
    const ids = tasks.filter((t) => actionApplies(a, t)).map((t) => t.id);
    action.mutate(
      { action: a, ids, reason: why },
      {
        onSuccess: () => {
          setDismissing(false);
          setReason('');
          onDone?.();
        },
      },
    );
  };
  const suffix = tasks.length > 1 ? ` (${tasks.length})` : '';

  return (
    <div className="toolbar" role="group" aria-label={label}>
      {available
        .filter((a) => a !== 'dismiss')
        .map((a) => (
          <button
            key={a}
            type="button"
            className={a === 'approve' ? 'button primary' : 'button'}
            disabled={action.isPending}
            onClick={() => run(a)}
          >
            {ACTIONS[a].label}
            {suffix}
          </button>
        ))}
      {available.includes('dismiss') &&
        (dismissing ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              run('dismiss', reason.trim());
            }}
          >
            <label>
              <span className="visually-hidden">Reason for dismissing</span>
              <input
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="Why dismiss? (3+ characters)"
                minLength={3}
                required
                autoFocus
              />
            </label>
            <button type="submit" className="button danger" disabled={action.isPending}>
              Dismiss{suffix}
            </button>
            <button type="button" className="button" onClick={() => setDismissing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button type="button" className="button danger" onClick={() => setDismissing(true)}>
            Dismiss{suffix}
          </button>
        ))}
      {action.isError && (
        <span role="alert" className="error-text">
          {action.error.message}
        </span>
      )}
      {action.isSuccess && (
        <span role="status" className="muted">
          {action.data.changed.length} changed
          {action.data.skipped.length ? `, ${action.data.skipped.length} skipped (not in a state for it)` : ''}
        </span>
      )}
    </div>
  );
}
