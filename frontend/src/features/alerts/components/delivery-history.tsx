import { useState } from 'react';
import { formatDateTime } from '../../../ui/formatting';
import { PagedQueryState } from '../../../ui/paged-query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { useDeliveries } from '../hooks/use-alerts';

/** Every delivery, the latest first, a page at a time; an alert's key narrows it to that alert. */
export function DeliveryHistory() {
  const [alertKey, setAlertKey] = useState<string | null>(null);
  const query = useDeliveries(alertKey);
  return (
    <>
      {alertKey && (
        <div className="toolbar">
          <span>
            Only <span className="mono">{alertKey}</span>
          </span>
          <button type="button" className="button" onClick={() => setAlertKey(null)}>
            Show every alert
          </button>
        </div>
      )}
      <PagedQueryState
        query={query}
        label="alert history"
        itemsOf={(page) => page}
        emptyText="No alerts sent yet."
        loadMoreLabel="Load older"
      >
        {(deliveries) => (
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
                {deliveries.map((d) => (
                  <tr key={d.id}>
                    <td>{formatDateTime(d.createdAt)}</td>
                    <td>
                      <button
                        type="button"
                        className="link-button mono"
                        title="Only this alert"
                        onClick={() => setAlertKey(d.alertKey)}
                      >
                        {d.alertKey}
                      </button>
                    </td>
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
      </PagedQueryState>
    </>
  );
}
