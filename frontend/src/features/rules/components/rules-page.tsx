import { useSearchParams } from 'react-router';
import { Page, Panel } from '../../../ui/page';
import { ErrorState, QueryState } from '../../../ui/query-state';
import { rulesOf, useRuleCatalog, useRuns } from '../hooks/use-rules';
import { RuleDetail } from './rule-detail';
import { RuleList } from './rule-list';

/** The rule pack, each rule's hit counts over time and definition, and dry-run / backtest for engineers. */
export function RulesPage() {
  const [params, setParams] = useSearchParams();
  const selected = params.get('rule');
  const catalog = useRuleCatalog();
  const runs = useRuns();
  const runList = runs.data ?? [];
  return (
    <Page title="Rules">
      {runs.isError && (
        <ErrorState label="reconciliation runs" error={runs.error} onRetry={() => void runs.refetch()} />
      )}
      <QueryState
        query={catalog}
        label="rules"
        isEmpty={(c) => c.items.length === 0 && c.errors.length === 0 && runList.length === 0}
        emptyText="The rule pack is empty: no rule files were found."
      >
        {(pack) => (
          <>
            {pack.errors.length > 0 && (
              <Panel title={`${pack.errors.length} rule file problem${pack.errors.length === 1 ? '' : 's'}`}>
                <p className="muted">
                  These files did not load; their rules do not run. The other rules are unaffected.
                </p>
                <ul className="error-box" aria-label="Rule files that failed to load">
                  {pack.errors.map((error) => (
                    <li key={error} className="mono">
                      {error}
                    </li>
                  ))}
                </ul>
              </Panel>
            )}
            <div className={selected ? 'split split-open detail-wide' : 'split'}>
              <div className="split-main">
                <RuleList
                  rules={rulesOf(pack.items, runList)}
                  selected={selected}
                  onSelect={(id) => setParams({ rule: id })}
                />
              </div>
              {selected && <RuleDetail ruleId={selected} runs={runList} />}
            </div>
          </>
        )}
      </QueryState>
    </Page>
  );
}
