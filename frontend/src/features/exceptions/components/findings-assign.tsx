import { useState } from 'react';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { useAssignFindings } from '../../../api/findings';

/**
 * "Assign to…" for the ticked findings: to the signed-in credential (`me`), to a typed name, or to
 * nobody. Engineers and above; a viewer sees nothing.
 */
export function FindingsAssign({ findingIds, onDone }: { findingIds: string[]; onDone?: () => void }) {
  const role = useCurrentRole();
  const assign = useAssignFindings();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  if (!roleAllows(role, 'engineer')) return null;

  const run = (assignee: string | null) =>
    assign.mutate(
      { ids: findingIds, assignee },
      {
        onSuccess: () => {
          setNaming(false);
          setName('');
          onDone?.();
        },
      },
    );
  const suffix = findingIds.length > 1 ? ` (${findingIds.length})` : '';

  return (
    <div className="toolbar" role="group" aria-label="Assign findings">
      <button type="button" className="button" disabled={assign.isPending} onClick={() => run('me')}>
        Assign to me{suffix}
      </button>
      {naming ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) run(name.trim());
          }}
        >
          <label>
            <span className="visually-hidden">Assign to (name)</span>
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Name of the person"
              maxLength={120}
              required
              autoFocus
            />
          </label>
          <button type="submit" className="button primary" disabled={assign.isPending || !name.trim()}>
            Assign{suffix}
          </button>
          <button type="button" className="button" onClick={() => setNaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" className="button" disabled={assign.isPending} onClick={() => setNaming(true)}>
          Assign to…
        </button>
      )}
      <button type="button" className="button" disabled={assign.isPending} onClick={() => run(null)}>
        Unassign{suffix}
      </button>
      {assign.isPending && (
        <span role="status" className="muted">
          Assigning…
        </span>
      )}
      {assign.isError && (
        <span role="alert" className="error-text">
          Could not assign: {assign.error.message}
        </span>
      )}
    </div>
  );
}
