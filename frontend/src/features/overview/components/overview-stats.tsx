import { formatCount, formatDuration } from '../../../ui/formatting';
import type { Overview } from '../hooks/use-overview';

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {hint && <span className="stat-hint">{hint}</span>}
    </div>
  );
}

const percent = (n: number | null) => (n === null ? '—' : `${n.toFixed(1)} %`);

/** The headline figures: open now, flow in the range, time to resolve, auto-heal, accepted exceptions, duplicate rates. */
export function OverviewStats({ overview }: { overview: Overview }) {
  return (
    <div className="stat-row">
      <Stat label="Open findings" value={formatCount(overview.openTotal)} />
      <Stat
        label="Opened / resolved"
        value={`${formatCount(overview.flow.opened)} / ${formatCount(overview.flow.resolved)}`}
        hint={`${overview.flowDays.from} – ${overview.flowDays.to}`}
      />
      <Stat
        label="Mean time to resolve"
        value={
          overview.meanTimeToResolveSeconds === null ? '—' : formatDuration(overview.meanTimeToResolveSeconds * 1000)
        }
      />
      <Stat
        label="Auto-heal rate"
        value={overview.autoHeal.fixupsTracked ? percent(overview.autoHeal.ratePercent) : 'not tracked'}
        hint={`${formatCount(overview.autoHeal.healedByFixup)} of ${formatCount(overview.autoHeal.resolved)} resolutions by fix-ups`}
      />
      <Stat
        label="Accepted exceptions"
        value={formatCount(overview.suppressed.findings)}
        hint={`suppressed findings, not counted as open; ${formatCount(overview.suppressed.endingWithin7Days)} end within 7 days`}
      />
      <Stat
        label="Duplicates per 1,000 customers"
        value={overview.duplicates.perThousand === null ? '—' : overview.duplicates.perThousand.toFixed(2)}
        hint={`${formatCount(overview.duplicates.openFindings)} open duplicate findings`}
      />
    </div>
  );
}
