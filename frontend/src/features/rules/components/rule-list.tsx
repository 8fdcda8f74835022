import { formatCount, formatDateTime } from '../../../ui/formatting';
import { StatusBadge } from '../../../ui/status-badge';
import type { RuleSummary } from '../hooks/use-rules';

/** Rules with their latest run outcome; a rule id opens its detail. */
export function RuleList({
  rules,
  selected,
  onSelect,
}: {
  rules: RuleSummary[];
  selected: string | null;
  onSelect: (ruleId: string) => void;
}) {
  return (
    <div className="table-scroll">
      <table className={selected ? 'data-table compact' : 'data-table'}>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Latest run</th>
            <th scope="col" className="num">
              Findings
            </th>
            <th scope="col" className="num optional">
              New
            </th>
            <th scope="col" className="optional">
              At
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.ruleId} className={r.ruleId === selected ? 'selected' : undefined}>
              <td>
                <button type="button" className="link-button mono" onClick={() => onSelect(r.ruleId)}>
                  {r.ruleId}
                </button>{' '}
                <span className="muted">v{r.version}</span>
              </td>
              <td>
                <StatusBadge value={r.latest.status} />
                {r.latest.reason && <div className="muted small">{r.latest.reason}</div>}
              </td>
              <td className="num">{formatCount(r.latest.findings)}</td>
              <td className="num optional">{formatCount(r.latest.new)}</td>
              <td className="optional">{formatDateTime(r.latest.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
