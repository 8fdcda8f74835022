import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { GroupedBarChart } from '../../../ui/charts/grouped-bar-chart';
import { formatDateTime, formatRelative } from '../../../ui/formatting';
import { Page, Panel } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { deliveryDayRows, useDeliveryDays, useSilenceActions, useSilences } from '../hooks/use-alerts';
import { AlertStates } from './alert-states';
import { DeliveryHistory } from './delivery-history';
import { DigestList } from './digest-list';
import { SilenceForm } from './silence-form';

/** Alerts as they stand, silences, digests, and the history of Slack deliveries. */
export function AlertsPage() {
  const role = useCurrentRole();
  const canSilence = roleAllows(role, 'engineer');
  const days = useDeliveryDays();
  const silences = useSilences();
  const { expire } = useSilenceActions();

  return (
    <Page title="Alerts">
      <Panel title="Alerts now" className="spaced">
        <AlertStates />
      </Panel>
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
      <Panel title="Digests" className="spaced">
        <DigestList />
      </Panel>
      <Panel title="Alert history" className="spaced">
        <DeliveryHistory />
      </Panel>
    </Page>
  );
}
