import { useSearchParams } from 'react-router';
import { Page } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { rulesOf, useRuns } from '../hooks/use-rules';
import { RuleDetail } from './rule-detail';
import { RuleList } from './rule-list';

/** Every rule that ran, its hit counts over time, and dry-run / backtest for engineers. */
export function RulesPage() {
  const [params, setParams] = useSearchParams();
  const selected = params.get('rule');
  const runs = useRuns();
  return (
    <Page title="Rules">
      <QueryState
        query={runs}
        label="reconciliation runs"
        isEmpty={(r) => r.length === 0}
        emptyText="No reconciliation run yet: rules appear here once they have run."
      >
        {(list) => (
          <div className={selected ? 'split split-open detail-wide' : 'split'}>
            <div className="split-main">
              <RuleList rules={rulesOf(list)} selected={selected} onSelect={(id) => setParams({ rule: id })} />
            </div>
            {selected && <RuleDetail ruleId={selected} runs={list} />}
          </div>
        )}
      </QueryState>
    </Page>
  );
}
