import { useEffect, useRef, useState } from 'react';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { formatDateTime } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import {
  fieldNames,
  useStewardshipActions,
  useStewardshipDetail,
  type MergeDecision,
  type StewardshipDetail,
  type StewardshipItem,
} from '../hooks/use-stewardship';
import { MergePlan } from './merge-plan';
import { SurvivorshipPicker } from './survivorship-picker';

/** One stewardship item: the records side by side and the decision only a person can make. */
export function StewardshipDetailPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const query = useStewardshipDetail(id);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);
  return (
    <aside className="detail-panel wide" aria-labelledby="item-detail-title">
      <div className="detail-head">
        <h2 id="item-detail-title" ref={heading} tabIndex={-1}>
          Stewardship item
        </h2>
        <button type="button" className="button" onClick={onClose} aria-label="Close stewardship item">
          Close
        </button>
      </div>
      <QueryState query={query} label="stewardship item">
        {(detail) => <ItemBody detail={detail} />}
      </QueryState>
    </aside>
  );
}

function ItemBody({ detail }: { detail: StewardshipDetail }) {
  const { item, records, missingRecords, events } = detail;
  const role = useCurrentRole();
  const actions = useStewardshipActions(item.id);
  const [assignee, setAssignee] = useState(item.assignee ?? '');
  const [dismissReason, setDismissReason] = useState('');
  const open = item.state === 'open';
  const canDecide = open && roleAllows(role, 'steward');
  // A refused merge is shown by the picker, beside its button.
  const mergeRefused = item.kind === 'duplicate' && records.length > 1 && open;
  const error = (mergeRefused ? null : actions.decide.error) ?? actions.assign.error ?? actions.dismiss.error;

  return (
    <>
      <p>
        <StatusBadge value={item.state} /> {item.kind.replace('_', ' ')} · {item.entity} in{' '}
        <span className="system-tag">{item.system}</span> {item.ruleId && <span className="mono">{item.ruleId}</span>}
      </p>
      {item.assignee && <p className="muted">Assigned to {item.assignee}</p>}
      {missingRecords.length > 0 && (
        <p className="muted">
          No longer in any snapshot: {missingRecords.map((r) => `${r.system} ${r.entityKey}`).join(', ')}
        </p>
      )}
      {item.decision?.action === 'merge' && (
        <MergePlan
          item={item}
          decision={item.decision}
          focusOnMount={actions.decide.isSuccess}
          planning={actions.decide.isPending}
          onPlanAgain={
            roleAllows(role, 'steward')
              ? () => {
                  const d = item.decision as MergeDecision;
                  actions.decide.mutate({ action: 'merge', survivor: d.survivor, fields: d.fields });
                }
              : undefined
          }
        />
      )}
      {item.decision && item.decision.action !== 'merge' && <DecisionSummary item={item} />}
      {item.kind === 'duplicate' && records.length > 1 ? (
        <SurvivorshipPicker
          entity={item.entity}
          records={records}
          canDecide={canDecide}
          busy={actions.decide.isPending}
          error={open ? actions.decide.error?.message : undefined}
          onMerge={(d) => actions.decide.mutate(d)}
        />
      ) : (
        <RecordsTable detail={detail} />
      )}
      {canDecide && item.kind === 'unmatched_identity' && (
        <div className="toolbar">
          <button
            type="button"
            className="button primary"
            onClick={() => actions.decide.mutate({ action: 'confirm_link' })}
          >
            Confirm suggested link
          </button>
          <button type="button" className="button" onClick={() => actions.decide.mutate({ action: 'reject_link' })}>
            Reject link
          </button>
        </div>
      )}
      {open && roleAllows(role, 'engineer') && (
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            actions.assign.mutate(assignee.trim() || null);
          }}
        >
          <label className="field">
            <span>Assignee</span>
            <input value={assignee} onChange={(e) => setAssignee(e.target.value)} placeholder="name or team" />
          </label>
          <button type="submit" className="button">
            {assignee.trim() ? 'Assign' : 'Unassign'}
          </button>
        </form>
      )}
      {canDecide && (
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            actions.dismiss.mutate(dismissReason.trim());
          }}
        >
          <label className="field grow">
            <span>Dismiss reason</span>
            <input value={dismissReason} onChange={(e) => setDismissReason(e.target.value)} minLength={3} required />
          </label>
          <button type="submit" className="button danger">
            Dismiss
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error-text">
          {error.message}
        </p>
      )}
      <p role="status" className="muted">
        {actions.decide.isSuccess || actions.dismiss.isSuccess ? decidedText(actions.decide.data) : ''}
      </p>
      <h3>History</h3>
      <ol className="timeline">
        <li>
          <time dateTime={item.createdAt}>{formatDateTime(item.createdAt)}</time> raised from {item.sourceType}
        </li>
        {events.map((e) => (
          <li key={e.id}>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time> {e.action} by {e.actor}
            {e.reason ? `: ${e.reason}` : ''}
          </li>
        ))}
      </ol>
    </>
  );
}

/** What the live region says once a decision is in. */
function decidedText(item: StewardshipItem | undefined): string {
  if (item?.decision?.action !== 'merge') return 'Decision recorded.';
  const n = item.decision.fixupTaskIds?.length ?? 0;
  return `Merge recorded: ${n} fix-up task${n === 1 ? '' : 's'} planned.`;
}

function DecisionSummary({ item }: { item: StewardshipItem }) {
  const d = item.decision;
  if (!d || d.action === 'merge') return null;
  const pair = 'link' in d ? `${d.link.a.system} ${d.link.a.entityKey} ↔ ${d.link.b.system} ${d.link.b.entityKey}` : '';
  return (
    <p>
      Decision: <strong>{d.action.replace('_', ' ')}</strong> {pair && <span className="mono">{pair}</span>} by{' '}
      {item.decidedBy ?? '—'} · {formatDateTime(item.decidedAt)}
      {item.reason ? ` · ${item.reason}` : ''}
    </p>
  );
}

function RecordsTable({ detail }: { detail: StewardshipDetail }) {
  const { records } = detail;
  if (records.length === 0) return <p className="muted">No record of this item is in a current snapshot.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table field-diff">
        <thead>
          <tr>
            <th scope="col">Field</th>
            {records.map((r) => (
              <th scope="col" key={`${r.system}:${r.entityKey}`}>
                <span className="system-tag">{r.system}</span> <span className="mono">{r.entityKey}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {fieldNames(records).map((f) => (
            <tr key={f}>
              <th scope="row" className="mono">
                {f}
              </th>
              {records.map((r) => (
                <td key={`${r.system}:${r.entityKey}`} className="value">
                  {r.fields[f] || '∅'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
