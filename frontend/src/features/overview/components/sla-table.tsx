import { formatCount, formatDuration } from '../../../ui/formatting';
import type { Overview } from '../hooks/use-overview';

const seconds = (s: number | null) => (s === null ? '—' : formatDuration(s * 1000));

/** Propagation SLA per route: adherence and latency percentiles. */
export function SlaTable({ routes }: { routes: Overview['sla'] }) {
  if (routes.length === 0) return <p className="empty">No propagation SLA rules have events in this range.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Route</th>
            <th scope="col">Limit</th>
            <th scope="col" className="num">
              Events
            </th>
            <th scope="col" className="num">
              Breaches
            </th>
            <th scope="col" className="num">
              Adherence
            </th>
            <th scope="col" className="num">
              p50
            </th>
            <th scope="col" className="num">
              p95
            </th>
          </tr>
        </thead>
        <tbody>
          {routes.map((r) => (
            <tr key={`${r.ruleId}:${r.route}`}>
              <th scope="row">
                {r.entity}: <span className="system-tag">{r.fromSystem}</span> →{' '}
                <span className="system-tag">{r.toSystem}</span>
                <div className="muted mono">{r.route}</div>
              </th>
              <td>{seconds(r.withinSeconds)}</td>
              <td className="num">{formatCount(r.events)}</td>
              <td className="num">{formatCount(r.breaches)}</td>
              <td className="num">{r.adherencePercent === null ? '—' : `${r.adherencePercent.toFixed(1)} %`}</td>
              <td className="num">{seconds(r.p50Seconds)}</td>
              <td className="num">{seconds(r.p95Seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
