import { GroupedBarChart } from '../../../ui/charts/grouped-bar-chart';
import { TrendLineChart } from '../../../ui/charts/trend-line-chart';
import { Page, Panel } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { SEVERITY_COLORS, SeverityBarChart } from '../charts/severity-bar-chart';
import { driftRateRows, openBySeriesRows, severityRows, trendRows } from '../hooks/overview-shapes';
import { useOverview, useOverviewFilters, useTrends } from '../hooks/use-overview';
import { OverviewFilters } from './overview-filters';
import { OverviewStats } from './overview-stats';
import { SlaTable } from './sla-table';
import { TopRulesTable } from './top-rules-table';

const FLOW_LINES = [
  { key: 'opened', name: 'Opened' },
  { key: 'reopened', name: 'Reopened' },
  { key: 'resolved', name: 'Resolved' },
  { key: 'openAtEnd', name: 'Open at end' },
];

/** What ops leaders open every morning: drift, SLA, auto-heal and trends across systems. */
export function OverviewPage() {
  const filters = useOverviewFilters();
  const overview = useOverview(filters.rangeDays, filters.systems);
  const trends = useTrends(filters.rangeDays, filters.systems, filters.interval);
  return (
    <Page title="Overview">
      <OverviewFilters
        rangeDays={filters.rangeDays}
        systems={filters.systems}
        interval={filters.interval}
        onRange={filters.setRange}
        onSystems={filters.setSystems}
        onInterval={filters.setInterval}
      />
      <QueryState query={overview} label="overview">
        {(data) => {
          const drift = driftRateRows(data);
          return (
            <>
              <OverviewStats overview={data} />
              <div className="grid">
                <Panel title="Open findings by severity">
                  <SeverityBarChart data={severityRows(data)} />
                </Panel>
                <Panel title="Drift rate per 1,000 records">
                  {drift.rows.length === 0 ? (
                    <p className="empty">No complete full snapshots to measure drift against yet.</p>
                  ) : (
                    <GroupedBarChart
                      rows={drift.rows}
                      series={drift.systems}
                      label={`Open findings per 1,000 records by domain and system: ${data.driftRate
                        .map((d) => `${d.domain} ${d.system} ${d.perThousand ?? 'n/a'}`)
                        .join(', ')}`}
                    />
                  )}
                </Panel>
              </div>
            </>
          );
        }}
      </QueryState>
      <div className="grid trend-grid">
        <Panel title={`Findings flow per ${filters.interval}`}>
          <QueryState query={trends} label="trends" isEmpty={(t) => t.buckets.length === 0}>
            {(t) => (
              <TrendLineChart
                rows={trendRows(t)}
                lines={FLOW_LINES}
                label="Findings opened, resolved and open over time"
              />
            )}
          </QueryState>
        </Panel>
        <Panel title={`Open findings per severity, by ${filters.interval}`}>
          <QueryState query={trends} label="trends" isEmpty={(t) => t.series.length === 0}>
            {(t) => {
              const shaped = openBySeriesRows(t);
              return (
                <TrendLineChart
                  rows={shaped.rows}
                  lines={shaped.keys.map((k) => ({ key: k, name: k, color: SEVERITY_COLORS[k] }))}
                  label="Open findings per severity over time"
                />
              );
            }}
          </QueryState>
        </Panel>
      </div>
      <QueryState query={overview} label="overview">
        {(data) => (
          <div className="stack">
            <Panel title="Propagation SLA per route">
              <SlaTable routes={data.sla} />
            </Panel>
            <Panel title="Top rules">
              <TopRulesTable rules={data.topRules} />
            </Panel>
          </div>
        )}
      </QueryState>
    </Page>
  );
}
