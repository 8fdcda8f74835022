import { ErrorState } from '../../../ui/query-state';
import { FixupActions } from '../../fix-ups/components/fixup-actions';
import { useTasksOfFindings } from '../../fix-ups/hooks/use-fixups';
import { FindingsAssign } from './findings-assign';
import { FindingsSuppress } from './findings-suppress';

/**
 * Bulk actions on the ticked findings: assign, suppress or unsuppress them, and act on their fix-up
 * tasks (approve, dismiss, retry, replay), as far as the signed-in role may.
 */
export function FindingsBulkActions({ findingIds, onDone }: { findingIds: string[]; onDone: () => void }) {
  const { tasks, pending, error } = useTasksOfFindings(findingIds);
  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <span>
        {findingIds.length} finding{findingIds.length === 1 ? '' : 's'} selected
        {pending
          ? ' · looking up their fix-up tasks…'
          : ` · ${tasks.length} fix-up task${tasks.length === 1 ? '' : 's'}`}
      </span>
      {error && <ErrorState label="fix-up tasks" error={error} />}
      {!pending && tasks.length === 0 && <span className="muted">No fix-up task to act on.</span>}
      {!pending && tasks.length > 0 && <FixupActions tasks={tasks} onDone={onDone} />}
      <FindingsAssign findingIds={findingIds} onDone={onDone} />
      <FindingsSuppress findingIds={findingIds} onDone={onDone} />
    </div>
  );
}
