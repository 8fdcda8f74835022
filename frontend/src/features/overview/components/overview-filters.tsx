import { RANGES, useSystems } from '../hooks/use-overview';

/** Time range, systems and trend interval; all kept in the URL. */
export function OverviewFilters({
  rangeDays,
  systems,
  interval,
  onRange,
  onSystems,
  onInterval,
}: {
  rangeDays: number;
  systems: string[];
  interval: 'day' | 'week';
  onRange: (days: number) => void;
  onSystems: (systems: string[]) => void;
  onInterval: (interval: 'day' | 'week') => void;
}) {
  const known = useSystems();
  return (
    <div className="filter-bar" role="group" aria-label="Overview filters">
      <label className="field">
        <span>Time range</span>
        <select value={rangeDays} onChange={(e) => onRange(Number(e.target.value))}>
          {RANGES.map((r) => (
            <option key={r.days} value={r.days}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Trend by</span>
        <select value={interval} onChange={(e) => onInterval(e.target.value === 'week' ? 'week' : 'day')}>
          <option value="day">day</option>
          <option value="week">week</option>
        </select>
      </label>
      <fieldset className="field checkbox-group">
        <legend>Systems</legend>
        {known.isPending && <span className="muted">loading…</span>}
        {known.isError && <span className="muted">systems unavailable</span>}
        {known.data?.map((id) => (
          <label key={id} className="checkbox">
            <input
              type="checkbox"
              checked={systems.includes(id)}
              onChange={(e) => onSystems(e.target.checked ? [...systems, id] : systems.filter((s) => s !== id))}
            />
            {id}
          </label>
        ))}
        {systems.length === 0 && known.data && <span className="muted">(all)</span>}
      </fieldset>
    </div>
  );
}
