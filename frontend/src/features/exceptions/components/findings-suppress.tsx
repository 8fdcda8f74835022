import { useState } from 'react';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import {
  SUPPRESSION_REASON_MAX_LENGTH,
  useSuppressFindings,
  useUnsuppressFindings,
  type Finding,
} from '../../../api/findings';

const ACTIVE: readonly Finding['status'][] = ['new', 'open', 'reopened'];

/**
 * "Suppress…" (a reason, and optionally until when) and "Unsuppress" for findings: an accepted exception
 * leaves the open counts, alerts and fix-ups until it ends or is lifted. Engineers and above; a viewer
 * sees nothing. With `status` (one finding) only the actions that status allows are offered; for a
 * selection both are, and the API refuses the whole request if one finding does not fit.
 */
export function FindingsSuppress({
  findingIds,
  status,
  onDone,
}: {
  findingIds: string[];
  status?: Finding['status'];
  onDone?: () => void;
}) {
  const role = useCurrentRole();
  const suppress = useSuppressFindings();
  const unsuppress = useUnsuppressFindings();
  const [editing, setEditing] = useState(false);
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  if (!roleAllows(role, 'engineer')) return null;
  const canSuppress = status === undefined || status === 'suppressed' || ACTIVE.includes(status);
  const canUnsuppress = status === undefined || status === 'suppressed';
  if (!canSuppress && !canUnsuppress) return null;

  const pending = suppress.isPending || unsuppress.isPending;
  const suffix = findingIds.length > 1 ? ` (${findingIds.length})` : '';
  const done = () => {
    setEditing(false);
    setReason('');
    setUntil('');
    onDone?.();
  };
  const submit = () =>
    suppress.mutate(
      // The picker gives a local time without a zone; the API wants the instant the person meant.
      { ids: findingIds, reason: reason.trim(), until: until ? new Date(until).toISOString() : undefined },
      { onSuccess: done },
    );

  return (
    <div className="toolbar" role="group" aria-label="Suppress findings">
      {canSuppress &&
        (editing ? (
          <form
            className="inline-form"
            aria-label="Suppress"
            onSubmit={(e) => {
              e.preventDefault();
              if (reason.trim()) submit();
            }}
          >
            <label>
              <span className="visually-hidden">Reason for suppressing</span>
              <input
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="Why this difference is accepted"
                maxLength={SUPPRESSION_REASON_MAX_LENGTH}
                required
                autoFocus
              />
            </label>
            <label>
              <span>Until (optional)</span>{' '}
              <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
            </label>
            <button type="submit" className="button primary" disabled={pending || !reason.trim()}>
              Suppress{suffix}
            </button>
            <button type="button" className="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button type="button" className="button" disabled={pending} onClick={() => setEditing(true)}>
            {status === 'suppressed' ? 'Change suppression…' : 'Suppress…'}
          </button>
        ))}
      {canUnsuppress && (
        <button
          type="button"
          className="button"
          disabled={pending}
          onClick={() => unsuppress.mutate({ ids: findingIds }, { onSuccess: done })}
        >
          Unsuppress{suffix}
        </button>
      )}
      {pending && (
        <span role="status" className="muted">
          Saving…
        </span>
      )}
      {suppress.isError && (
        <span role="alert" className="error-text">
          Could not suppress: {suppress.error.message}
        </span>
      )}
      {unsuppress.isError && (
        <span role="alert" className="error-text">
          Could not unsuppress: {unsuppress.error.message}
        </span>
      )}
    </div>
  );
}
