import { useState, type FormEvent } from 'react';
import { fieldNames, type ItemDecision, type RecordState } from '../hooks/use-stewardship';

/**
 * The cross-system key of each entity (backend `DEFAULT_MATCH_FIELD`): a merge cannot set it, each
 * record keeps its own.
 */
const MATCH_FIELD: Record<string, string> = {
  customer: 'customer_number',
  contact: 'email',
  credit_profile: 'customer_number',
  order: 'order_number',
  shipment: 'order_number',
  ticket: 'customer_number',
};

/**
 * Duplicate records side by side; the steward picks the surviving record and, field by field, whose
 * value it keeps. Fields where every record agrees need no choice. Read-only for other roles.
 */
export function SurvivorshipPicker({
  entity,
  records,
  canDecide,
  busy,
  error,
  onMerge,
}: {
  entity: string;
  records: RecordState[];
  canDecide: boolean;
  busy: boolean;
  /** Why the API refused the merge, shown beside the button. */
  error?: string;
  onMerge: (decision: Extract<ItemDecision, { action: 'merge' }>) => void;
}) {
  const fields = fieldNames(records);
  const [survivor, setSurvivor] = useState(records[0]?.entityKey ?? '');
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const differs = (field: string) => new Set(records.map((r) => r.fields[field] ?? '')).size > 1;
  const keyField = MATCH_FIELD[entity];

  function submit(event: FormEvent) {
    event.preventDefault();
    // Only values taken from another record: the survivor keeps its own everywhere else.
    const chosen: Record<string, string> = {};
    for (const field of fields) {
      const from = choice[field];
      if (field !== keyField && differs(field) && from !== undefined && from !== survivor) chosen[field] = from;
    }
    onMerge({ action: 'merge', survivor, fields: chosen, reason: reason.trim() || undefined });
  }

  return (
    <form onSubmit={submit} aria-label="Merge duplicates">
      <div className="table-scroll">
        <table className="data-table field-diff">
          <caption>Records side by side{canDecide ? ': choose the survivor and each field’s value' : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              {records.map((r) => (
                <th scope="col" key={r.entityKey}>
                  <span className="system-tag">{r.system}</span> <span className="mono">{r.entityKey}</span>
                  {canDecide && (
                    <label className="checkbox">
                      <input
                        type="radio"
                        name="survivor"
                        value={r.entityKey}
                        checked={survivor === r.entityKey}
                        onChange={() => setSurvivor(r.entityKey)}
                      />
                      survivor
                    </label>
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {fields.map((field) => {
              const conflict = differs(field);
              const choosable = canDecide && conflict && field !== keyField;
              return (
                <tr key={field}>
                  <th scope="row" className="mono">
                    {field}
                    {field === keyField && conflict && (
                      <div className="muted small">cross-system key: each record keeps its own</div>
                    )}
                  </th>
                  {records.map((r) => {
                    const value = r.fields[field] ?? '';
                    const picked = (choice[field] ?? survivor) === r.entityKey;
                    return (
                      <td
                        key={r.entityKey}
                        className={conflict ? (picked ? 'value picked' : 'value value-differs') : 'value'}
                      >
                        {choosable ? (
                          <label className="checkbox">
                            <input
                              type="radio"
                              name={`field-${field}`}
                              checked={picked}
                              onChange={() => setChoice({ ...choice, [field]: r.entityKey })}
                              aria-label={`Keep ${field} from ${r.entityKey}: ${value || 'empty'}`}
                            />
                            {value || '∅'}
                          </label>
                        ) : (
                          value || '∅'
                        )}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {canDecide && (
        <div className="toolbar">
          <label className="field grow">
            <span>Reason (optional)</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className="button primary" disabled={busy || !survivor}>
            {busy ? 'Merging…' : `Merge into ${survivor}`}
          </button>
          {error && (
            <p role="alert" className="error-text">
              Merge refused: {error}
            </p>
          )}
        </div>
      )}
    </form>
  );
}
