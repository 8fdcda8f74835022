import { useState } from 'react';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { useFindings } from '../../../api/findings';
import { formatCount } from '../../../ui/formatting';
import { Page } from '../../../ui/page';
import { PagedQueryState } from '../../../ui/paged-query-state';
import { useExceptionFilters } from '../hooks/use-exception-filters';
import { FindingDetailPanel } from './finding-detail-panel';
import { FindingsAssign } from './findings-assign';
import { FindingsBulkActions } from './findings-bulk-actions';
import { FindingsExportButton } from './findings-export-button';
import { FindingsFilters } from './findings-filters';
import { FindingsSuppress } from './findings-suppress';
import { FindingsTable } from './findings-table';

/** The integration engineers' queue: filter, sort and open findings; filters live in the URL. */
export function ExceptionsPage() {
  const { view, setFilter, clearFilters, sortBy, select } = useExceptionFilters();
  const query = useFindings(view.query, view.sort.text);
  const filtered = view.narrowed;
  const canAct = roleAllows(useCurrentRole(), 'engineer');
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const onCheck = (ids: string[], on: boolean) =>
    setChecked((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  return (
    <Page title="Exceptions" actions={<FindingsExportButton filters={view.query} sort={view.sort.text} />}>
      <FindingsFilters filters={view.filters} onChange={setFilter} onClear={clearFilters} />
      <div className={view.selected ? 'split split-open' : 'split'}>
        <div className="split-main">
          <PagedQueryState
            query={query}
            label="findings"
            itemsOf={(page) => page.items}
            emptyText={
              filtered
                ? 'No findings match these filters.'
                : 'No findings yet: they appear after the first reconciliation run.'
            }
          >
            {(findings) => (
              <>
                <p className="muted" aria-live="polite">
                  Showing {formatCount(findings.length)} finding{findings.length === 1 ? '' : 's'}
                  {query.hasNextPage ? ' (more available)' : ''}
                  {query.isFetching && !query.isFetchingNextPage ? ' · refreshing…' : ''}
                </p>
                {canAct && checked.size > 0 && (
                  <FindingsBulkActions findingIds={[...checked]} onDone={() => setChecked(new Set())} />
                )}
                <FindingsTable
                  checked={canAct ? checked : undefined}
                  onCheck={canAct ? onCheck : undefined}
                  findings={findings}
                  sort={view.sort}
                  onSort={sortBy}
                  selected={view.selected}
                  onSelect={select}
                  compact={view.selected !== null}
                />
              </>
            )}
          </PagedQueryState>
        </div>
        {view.selected && (
          <FindingDetailPanel
            id={view.selected}
            onClose={() => select(null)}
            actions={(f) => (
              <>
                <FindingsAssign findingIds={[f.id]} />
                <FindingsSuppress findingIds={[f.id]} status={f.status} />
              </>
            )}
          />
        )}
      </div>
    </Page>
  );
}
