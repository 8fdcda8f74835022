import { formatCount, formatDateTime } from '../../../ui/formatting';
import { StatusBadge } from '../../../ui/status-badge';
import type { RuleSummary } from '../hooks/use-rules';

/** The rule pack with each rule's latest run outcome; a rule id opens its detail. */
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
            <th scope="col" className="optional">
              Kind
            </th>
            <th scope="col" className="optional">
              Severity
            </th>
            <th scope="col">Latest run</th>
            <th scope="col" className="num">
              Findings
            </th>
            <th scope="col" className="num optional">
              New
            </th>
            <th scope="col" className="num optional">
              <abbr title="Differences the latest run held instead of reporting: their records changed within the rule's settle time, so the change may still be on its way">
                Held
              </abbr>
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
                {r.rule ? (
                  <div className="muted small">
                    {r.rule.owner} · {r.rule.systems.join(', ') || 'systems named in its SQL'}
                    {!r.rule.enabled && ' · disabled'}
                  </div>
                ) : (
                  <div className="muted small">not in the rule pack now</div>
                )}
              </td>
              <td className="optional mono">{r.rule?.kind ?? '—'}</td>
              <td className="optional">{r.rule ? <StatusBadge value={r.rule.severity} /> : '—'}</td>
              <td>
                {r.latest ? (
                  <>
                    <StatusBadge value={r.latest.status} />
                    {r.latest.reason && <div className="muted small">{r.latest.reason}</div>}
                  </>
                ) : (
                  <span className="muted">not run yet</span>
                )}
              </td>
              <td className="num">{r.latest ? formatCount(r.latest.findings) : '—'}</td>
              <td className="num optional">{r.latest ? formatCount(r.latest.new) : '—'}</td>
              <td className="num optional">{r.latest?.unsettled ? formatCount(r.latest.unsettled) : '—'}</td>
              <td className="optional">{r.latest ? formatDateTime(r.latest.at) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
