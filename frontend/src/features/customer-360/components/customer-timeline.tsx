import { Link } from 'react-router';
import { formatDateTime } from '../../../ui/formatting';
import type { TimelineEvent } from '../hooks/use-customers';

function describe(e: TimelineEvent) {
  switch (e.type) {
    case 'snapshot':
      return (
        <>
          captured by a snapshot of <span className="system-tag">{e.system}</span>
        </>
      );
    case 'change':
      return (
        <>
          changed in <span className="system-tag">{e.system}</span>:{' '}
          {(e.changes ?? []).map((c) => `${c.field} ${c.from || '∅'} → ${c.to || '∅'}`).join('; ')}
        </>
      );
    case 'status':
      return (
        <>
          {e.entity} {e.field} became <strong>{e.value}</strong> in <span className="system-tag">{e.system}</span>
        </>
      );
    case 'finding_opened':
    case 'finding_resolved':
      return (
        <>
          finding {e.type === 'finding_opened' ? 'opened' : 'resolved'}:{' '}
          <Link to={`/exceptions?finding=${e.findingId ?? ''}`} className="mono">
            {e.ruleId}
          </Link>{' '}
          {e.field ? `(${e.field})` : ''}
        </>
      );
    case 'fixup':
      return (
        <>
          fix-up task <Link to={`/fix-ups?task=${e.taskId ?? ''}`}>{e.state}</Link> on{' '}
          <span className="system-tag">{e.system}</span>
        </>
      );
  }
}

/** Snapshots, changes, status events, findings and fixes of one customer, newest first. */
export function CustomerTimeline({ events }: { events: TimelineEvent[] }) {
  if (events.length === 0) return <p className="empty">Nothing has happened to this customer yet.</p>;
  return (
    <ol className="timeline">
      {events.map((e, i) => (
        <li key={`${e.at}:${e.type}:${i}`}>
          <time dateTime={e.at}>{formatDateTime(e.at)}</time> {describe(e)}
        </li>
      ))}
    </ol>
  );
}
