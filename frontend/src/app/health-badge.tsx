import { useReadiness } from '../api/health';

/** Header badge: is the backend and each of its stores answering? */
export function HealthBadge() {
  const { data, isPending, isError } = useReadiness();
  if (isPending) return <span className="badge badge-muted">Checking backend…</span>;
  if (isError)
    return (
      <span className="badge badge-bad" role="status">
        Backend unreachable
      </span>
    );
  const down = data.checks.filter((c) => !c.up).map((c) => c.name);
  return data.status === 'ok' ? (
    <span
      className="badge badge-good"
      role="status"
      title={data.checks.map((c) => `${c.name} ${c.latencyMs} ms`).join(', ')}
    >
      All systems answering
    </span>
  ) : (
    <span className="badge badge-bad" role="status">
      Down: {down.join(', ')}
    </span>
  );
}
