import { useState } from 'react';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { QueryState } from '../../../ui/query-state';
import { useDigests, useSendDigest, type DigestOutcome } from '../hooks/use-alerts';

const covered = (days: number) => (days === 1 ? 'the day before' : `the ${days} days before`);

function outcomeText(outcome: DigestOutcome): string {
  const period = outcome.fromDay === outcome.toDay ? outcome.fromDay : `${outcome.fromDay} – ${outcome.toDay}`;
  switch (outcome.status) {
    case 'sent':
      return `Sent to ${outcome.channel} (${period}).`;
    case 'held':
      return `Held: ${outcome.detail ?? ''}. Nothing went to ${outcome.channel}.`;
    case 'already_sent':
      return `Already sent for this slot.`;
    default:
      return `Failed: ${outcome.detail ?? 'unknown error'}`;
  }
}

/** The digests of the alert rules file: where and when each goes, and (engineers) a way to send one now. */
export function DigestList() {
  const canSend = roleAllows(useCurrentRole(), 'engineer');
  const digests = useDigests();
  const send = useSendDigest();
  const [last, setLast] = useState<{ id: string; text: string; failed: boolean } | null>(null);

  function sendNow(id: string) {
    setLast(null);
    send.mutate(id, {
      onSuccess: (outcome) =>
        setLast({ id, text: outcomeText(outcome), failed: outcome.status === 'failed' || outcome.status === 'held' }),
      onError: (error) => setLast({ id, text: error.message, failed: true }),
    });
  }

  return (
    <QueryState
      query={digests}
      label="digests"
      isEmpty={(list) => list.length === 0}
      emptyText="No digests: add them under digests: in the alert rules file."
    >
      {(list) => (
        <table className="data-table" aria-label="Digests">
          <thead>
            <tr>
              <th>Digest</th>
              <th>Channel</th>
              <th>Schedule (UTC)</th>
              <th>Covers</th>
              {canSend && <th aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.id}>
                <td>
                  <strong className="mono">{d.id}</strong>
                  <div className="muted small">{d.description}</div>
                  {last?.id === d.id && (
                    <div role={last.failed ? 'alert' : 'status'} className={last.failed ? 'error-text small' : 'small'}>
                      {last.text}
                    </div>
                  )}
                </td>
                <td className="mono">{d.channel}</td>
                <td className="mono">{d.schedule}</td>
                <td>
                  {covered(d.days)}
                  {d.systems.length > 0 ? ` · ${d.systems.join(', ')}` : ''}
                </td>
                {canSend && (
                  <td>
                    <button
                      type="button"
                      className="button"
                      disabled={send.isPending}
                      onClick={() => sendNow(d.id)}
                      aria-label={`Send ${d.id} now`}
                    >
                      Send now
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}
