import type { Finding, FindingSortKey } from '../../../api/findings';
import { formatCount, formatDateTime, formatShortDateTime } from '../../../ui/formatting';
import { StatusBadge } from '../../../ui/status-badge';
import type { ExceptionView } from '../hooks/use-exception-filters';

interface SortColumn {
  key: FindingSortKey;
  label: string;
}
// The rule shares the record's cell: one column fewer keeps both values in view at 1280 px.
const RECORD: SortColumn = { key: 'matchKey', label: 'Record · rule' };
const SEEN: SortColumn = { key: 'occurrences', label: 'Seen' };
const FIRST_SEEN: SortColumn = { key: 'firstSeenAt', label: 'First seen' };
const LAST_SEEN: SortColumn = { key: 'lastSeenAt', label: 'Last seen' };
const STATUS_CHANGED: SortColumn = { key: 'statusChangedAt', label: 'Status changed' };

function SortHeader({
  column,
  sort,
  onSort,
  optional = false,
}: {
  optional?: boolean;
  column: SortColumn;
  sort: ExceptionView['sort'];
  onSort: (k: FindingSortKey) => void;
}) {
  const active = sort.key === column.key;
  const direction = active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={direction} className={optional ? 'optional' : undefined}>
      <button type="button" className="sort-button" onClick={() => onSort(column.key)}>
        {column.label}
        <span aria-hidden="true">{active ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

/** The findings queue; a row's record key opens the detail panel. */
export function FindingsTable({
  findings,
  sort,
  onSort,
  selected,
  onSelect,
  checked,
  onCheck,
  compact = false,
}: {
  findings: Finding[];
  sort: ExceptionView['sort'];
  onSort: (key: FindingSortKey) => void;
  selected: string | null;
  onSelect: (id: string) => void;
  /** Ticked rows for bulk actions; absent when the signed-in role cannot act on findings. */
  checked?: Set<string>;
  onCheck?: (ids: string[], on: boolean) => void;
  /** Leaves out secondary columns, keeping the status-change time (the default sort); the detail panel takes half the width. */
  compact?: boolean;
}) {
  const allChecked = checked !== undefined && findings.length > 0 && findings.every((f) => checked.has(f.id));
  return (
    <div className="table-scroll">
      <table className={compact ? 'data-table compact' : 'data-table'}>
        <caption className="visually-hidden">
          Findings, sorted by {sort.key} {sort.direction}ending
        </caption>
        <thead>
          <tr>
            {checked && onCheck && (
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all findings on this page"
                  checked={allChecked}
                  onChange={(e) =>
                    onCheck(
                      findings.map((f) => f.id),
                      e.target.checked,
                    )
                  }
                />
              </th>
            )}
            <th scope="col">Severity</th>
            <th scope="col" className="optional">
              Status
            </th>
            <SortHeader column={RECORD} sort={sort} onSort={onSort} />
            <th scope="col">Field</th>
            <th scope="col">Owner value</th>
            <th scope="col">Actual value</th>
            <th scope="col" className="optional">
              Assignee
            </th>
            <SortHeader column={SEEN} sort={sort} onSort={onSort} optional />
            <SortHeader column={FIRST_SEEN} sort={sort} onSort={onSort} optional />
            <SortHeader column={LAST_SEEN} sort={sort} onSort={onSort} optional />
            <SortHeader column={STATUS_CHANGED} sort={sort} onSort={onSort} />
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={f.id} className={f.id === selected ? 'selected' : undefined} aria-selected={f.id === selected}>
              {checked && onCheck && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select finding ${f.ruleId} ${f.matchKey} ${f.actualSystem}`}
                    checked={checked.has(f.id)}
                    onChange={(e) => onCheck([f.id], e.target.checked)}
                  />
                </td>
              )}
              <td>
                <StatusBadge value={f.severity} />
              </td>
              <td className="optional">
                <StatusBadge value={f.status} />
              </td>
              <td>
                <button type="button" className="link-button" onClick={() => onSelect(f.id)}>
                  {f.entity} {f.matchKey}
                </button>
                <div className="mono muted small">{f.ruleId}</div>
              </td>
              <td className="mono">{f.field || '—'}</td>
              <td>
                <span className="system-tag">{f.ownerSystem}</span>{' '}
                <span className="value">{f.expectedValue || '∅'}</span>
              </td>
              <td>
                <span className="system-tag">{f.actualSystem}</span>{' '}
                <span className="value">{f.actualValue || '∅'}</span>
              </td>
              <td className="optional">{f.assignee ?? <span className="muted">unassigned</span>}</td>
              <td className="num optional">{formatCount(f.occurrences)}</td>
              <td className="optional when">
                <When iso={f.firstSeenAt} />
              </td>
              <td className="optional when">
                <When iso={f.lastSeenAt} />
              </td>
              <td className="when">
                <When iso={f.statusChangedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A time in a table cell: short, on one line, the full date and time on hover. */
function When({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatShortDateTime(iso)}
    </time>
  );
}
