import { Link } from 'react-router';
import { formatCount } from '../../../ui/formatting';
import { StatusBadge } from '../../../ui/status-badge';
import type { Overview } from '../hooks/use-overview';

/** The rules with the most open findings; each links to the exceptions queue filtered by it. */
export function TopRulesTable({ rules }: { rules: Overview['topRules'] }) {
  if (rules.length === 0) return <p className="empty">No open findings.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Severity</th>
            <th scope="col">Domain</th>
            <th scope="col" className="num">
              Open
            </th>
            <th scope="col" className="num">
              New in range
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.ruleId}>
              <td>
                <Link to={`/exceptions?ruleId=${encodeURIComponent(r.ruleId)}`} className="mono">
                  {r.ruleId}
                </Link>
              </td>
              <td>
                <StatusBadge value={r.severity} />
              </td>
              <td>{r.domain}</td>
              <td className="num">{formatCount(r.open)}</td>
              <td className="num">{formatCount(r.openedInRange)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
