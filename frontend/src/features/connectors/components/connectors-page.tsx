import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { GroupedBarChart } from '../../../ui/charts/grouped-bar-chart';
import { Page, Panel } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { useConnectors, type ConnectorStatus } from '../hooks/use-connectors';
import { ConnectorCard } from './connector-card';
import { LiveProgress } from './live-progress';
import { SnapshotRunsTable } from './snapshot-runs-table';
import { StartSnapshotForm } from './start-snapshot-form';

/** Throughput rows for a grouped bar chart: one row per entity, one bar per connector. */
function throughputRows(connectors: ConnectorStatus[]) {
  const entities = [...new Set(connectors.flatMap((c) => c.snapshots.map((s) => s.entity)))].sort();
  const rows = entities.map((entity) => {
    const row: Record<string, string | number | null> = { category: entity };
    for (const c of connectors) {
      const rate = c.snapshots.find((s) => s.entity === entity)?.throughputRowsPerS;
      row[c.id] = rate === undefined || rate === null ? null : Math.round(rate);
    }
    return row;
  });
  return { rows, series: connectors.map((c) => c.id) };
}

/** Integration engineers: is every source answering, how fresh is each snapshot, what is running now. */
export function ConnectorsPage() {
  const role = useCurrentRole();
  const connectors = useConnectors();
  return (
    <Page title="Connectors & snapshots">
      <div className="grid">
        <Panel title="Running snapshots">
          <LiveProgress />
          {roleAllows(role, 'engineer') && connectors.data && connectors.data.length > 0 && (
            <StartSnapshotForm connectors={connectors.data} />
          )}
        </Panel>
        <Panel title="Throughput (rows/s, last 5 complete whole-entity runs)">
          <QueryState query={connectors} label="connectors" isEmpty={(c) => c.length === 0}>
            {(list) => {
              const t = throughputRows(list);
              return (
                <GroupedBarChart
                  rows={t.rows}
                  series={t.series}
                  label="Snapshot throughput in rows per second by entity and connector"
                />
              );
            }}
          </QueryState>
        </Panel>
      </div>
      <QueryState
        query={connectors}
        label="connectors"
        isEmpty={(c) => c.length === 0}
        emptyText="No connectors are configured (DRIFTWATCH_CONNECTORS_FILE)."
      >
        {(list) => (
          <div className="stack connector-list">
            {list.map((c) => (
              <ConnectorCard key={c.id} connector={c} />
            ))}
          </div>
        )}
      </QueryState>
      <Panel title="Recent snapshot runs">
        <SnapshotRunsTable connectorIds={(connectors.data ?? []).map((c) => c.id)} />
      </Panel>
    </Page>
  );
}
