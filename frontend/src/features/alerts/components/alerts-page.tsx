import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { GroupedBarChart } from '../../../ui/charts/grouped-bar-chart';
import { formatDateTime, formatRelative } from '../../../ui/formatting';
import { Page, Panel } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { deliveryDayRows, useDeliveries, useDeliveryDays, useSilenceActions, useSilences } from '../hooks/use-alerts';
import { SilenceForm } from './silence-form';

/** Alert history (Slack deliveries) and silences. */
export function AlertsPage() {
  const role = useCurrentRole();
  const canSilence = roleAllows(role, 'engineer');
  const deliveries = useDeliveries();
  const days = useDeliveryDays();
  const silences = useSilences();
  const { expire } = useSilenceActions();

  return (
    <Page title="Alerts">
      <div className="grid">
        <Panel title="Active silences">
          {canSilence && <SilenceForm />}
          <QueryState query={silences} label="silences" isEmpty={(s) => s.length === 0} emptyText="No active silences.">
            {(list) => (
              <ul className="silence-list">
                {list.map((s) => (
                  <li key={s.id}>
                    <div>
                      <strong className="mono">{s.ruleId ?? `domain ${s.domain ?? ''}`}</strong> — {s.reason}
                      <div className="muted small">
                        by {s.createdBy}, ends {formatRelative(s.endsAt)} ({formatDateTime(s.endsAt)})
                      </div>
                    </div>
                    {canSilence && (
                      <button
                        type="button"
                        className="button"
                        disabled={expire.isPending}
                        onClick={() => expire.mutate(s.id)}
                        aria-label={`Expire silence of ${s.ruleId ?? s.domain ?? ''}`}
                      >
                        Expire now
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
          {expire.isError && (
            <p role="alert" className="error-text">
              {expire.error.message}
            </p>
          )}
        </Panel>
        <Panel title="Deliveries per day, last 30 days">
          <QueryState
            query={days}
            label="deliveries per day"
            isEmpty={(d) => d.every((day) => day.sent + day.held + day.failed === 0)}
            emptyText="No alerts sent yet."
          >
            {(list) => (
              <GroupedBarChart
                rows={deliveryDayRows(list)}
                dense
                series={['sent', 'held', 'failed']}
                colors={{ sent: '#1a7f37', held: '#bf8700', failed: '#cf222e' }}
                label="Alert deliveries per day by status"
              />
            )}
          </QueryState>
        </Panel>
      </div>
      <Panel title="Alert history (latest 200)" className="spaced">
        <QueryState
          query={deliveries}
          label="alert history"
          isEmpty={(d) => d.length === 0}
          emptyText="No alerts sent yet."
        >
          {(list) => (
            <div className="table-scroll">
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Alert</th>
                    <th scope="col">Action</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Status</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((d) => (
                    <tr key={d.id}>
                      <td>{formatDateTime(d.createdAt)}</td>
                      <td className="mono">{d.alertKey}</td>
                      <td>{d.action}</td>
                      <td>{d.channel}</td>
                      <td>
                        <StatusBadge value={d.status} />
                      </td>
                      <td>{d.detail ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
      </Panel>
    </Page>
  );
}
