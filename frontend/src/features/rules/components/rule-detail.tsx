import { Link } from 'react-router';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { GroupedBarChart } from '../../../ui/charts/grouped-bar-chart';
import { TrendLineChart } from '../../../ui/charts/trend-line-chart';
import { formatCount, formatDateTime } from '../../../ui/formatting';
import { Panel } from '../../../ui/page';
import { ErrorState, LoadingState, QueryState } from '../../../ui/query-state';
import {
  hitsOverTime,
  useBacktest,
  useDryRun,
  useRuleDefinition,
  type ReconciliationRun,
  type RuleDefinition,
} from '../hooks/use-rules';

const byKindRows = (byKind: Record<string, number>) =>
  Object.entries(byKind).map(([kind, n]) => ({ category: kind, findings: n }));

/** One rule: hit counts over the recent runs, and (engineers) a dry-run now and a backtest over past snapshots. */
export function RuleDetail({ ruleId, runs }: { ruleId: string; runs: ReconciliationRun[] }) {
  const role = useCurrentRole();
  const canRun = roleAllows(role, 'engineer');
  const dryRun = useDryRun();
  const backtest = useBacktest();
  const hits = hitsOverTime(runs, ruleId);

  return (
    <div className="stack">
      <Panel title={`Rule ${ruleId}`}>
        <p>
          <Link to={`/exceptions?ruleId=${encodeURIComponent(ruleId)}`}>Open findings of this rule</Link>
        </p>
        <RuleDefinitionView ruleId={ruleId} />
        <h3>Hit counts over the last {hits.length} full runs</h3>
        {hits.length === 0 ? (
          <p className="empty">This rule has not run yet.</p>
        ) : (
          <TrendLineChart
            rows={hits}
            lines={[
              { key: 'findings', name: 'Findings' },
              { key: 'new', name: 'New' },
            ]}
            label={`Findings per run of ${ruleId}: ${hits.map((h) => `${h.bucket} ${h.findings}`).join(', ')}`}
          />
        )}
      </Panel>
      {canRun && (
        <div className="grid">
          <Panel title="Dry-run on the current state">
            <button
              type="button"
              className="button primary"
              disabled={dryRun.isPending}
              onClick={() => dryRun.mutate(ruleId)}
            >
              {dryRun.isPending ? 'Running…' : 'Dry-run now'}
            </button>
            {dryRun.isPending && <LoadingState label="dry-run" />}
            {dryRun.isError && <ErrorState label="dry-run" error={dryRun.error} />}
            {dryRun.data && (
              <>
                <p role="status">
                  {formatCount(dryRun.data.total)} findings (v{dryRun.data.ruleVersion}); nothing was saved.
                </p>
                <GroupedBarChart
                  rows={byKindRows(dryRun.data.byKind)}
                  series={['findings']}
                  label="Dry-run findings by kind"
                />
                <DryRunPreview rows={dryRun.data.findings} />
              </>
            )}
          </Panel>
          <Panel title="Backtest on past snapshots">
            <button
              type="button"
              className="button primary"
              disabled={backtest.isPending}
              onClick={() => backtest.mutate(ruleId)}
            >
              {backtest.isPending ? 'Running…' : 'Run backtest'}
            </button>
            {backtest.isPending && <LoadingState label="backtest" />}
            {backtest.isError && <ErrorState label="backtest" error={backtest.error} />}
            {backtest.data &&
              (backtest.data.points.length === 0 ? (
                <p className="empty">No past complete snapshots of this rule's systems to backtest on.</p>
              ) : (
                <>
                  <p role="status">{backtest.data.points.length} points in time; nothing was saved.</p>
                  <TrendLineChart
                    rows={backtest.data.points.map((p) => ({ bucket: formatDateTime(p.at), total: p.total }))}
                    lines={[{ key: 'total', name: 'Findings' }]}
                    label={`Backtest findings over time: ${backtest.data.points.map((p) => `${p.at} ${p.total}`).join(', ')}`}
                  />
                </>
              ))}
          </Panel>
        </div>
      )}
    </div>
  );
}

/** The rule as loaded from its YAML file, and the ClickHouse SQL a run would execute for it now. */
function RuleDefinitionView({ ruleId }: { ruleId: string }) {
  const definition = useRuleDefinition(ruleId);
  return (
    <QueryState query={definition} label={`the definition of ${ruleId}`}>
      {(rule) => <RuleDefinitionBody rule={rule} />}
    </QueryState>
  );
}

function RuleDefinitionBody({ rule }: { rule: RuleDefinition }) {
  return (
    <>
      <p>{rule.description}</p>
      <dl className="facts">
        <dt>Kind</dt>
        <dd className="mono">{rule.kind}</dd>
        <dt>Version</dt>
        <dd>v{rule.version}</dd>
        <dt>Owner</dt>
        <dd>{rule.owner}</dd>
        <dt>Severity</dt>
        <dd>{rule.severity}</dd>
        <dt>Domain</dt>
        <dd>{rule.domain}</dd>
        <dt>Fix policy</dt>
        <dd>{rule.fix_policy}</dd>
        <dt>Systems</dt>
        <dd>{rule.systems.join(', ') || 'named in its SQL'}</dd>
        {!rule.enabled && (
          <>
            <dt>Enabled</dt>
            <dd>no: runs skip it</dd>
          </>
        )}
      </dl>
      <details>
        <summary>Definition</summary>
        <pre className="code-block" aria-label={`Definition of ${rule.id}`}>
          {JSON.stringify(rule.definition, null, 2)}
        </pre>
      </details>
      {rule.compiled.error ? (
        <p className="error-box" role="alert">
          Does not compile against the current state: {rule.compiled.error}
        </p>
      ) : (
        <details>
          <summary>Compiled ClickHouse SQL</summary>
          <pre className="code-block" aria-label={`Compiled SQL of ${rule.id}`}>
            {rule.compiled.findingsSql}
          </pre>
          {rule.compiled.latencySql && (
            <pre className="code-block" aria-label={`Latency SQL of ${rule.id}`}>
              {rule.compiled.latencySql}
            </pre>
          )}
        </details>
      )}
    </>
  );
}

function DryRunPreview({ rows }: { rows: Record<string, string | number>[] }) {
  if (rows.length === 0) return null;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption>First {rows.length} findings</caption>
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Field</th>
            <th scope="col">Owner</th>
            <th scope="col">Actual</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, 20).map((r, i) => (
            <tr key={i}>
              <td className="mono">{r.match_key}</td>
              <td className="mono">{r.field}</td>
              <td>
                <span className="system-tag">{r.owner_system}</span>{' '}
                <span className="value">{r.expected_value || '∅'}</span>
              </td>
              <td>
                <span className="system-tag">{r.actual_system}</span>{' '}
                <span className="value">{r.actual_value || '∅'}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
