import { useSearchParams } from 'react-router';
import { formatDateTime } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { useStewardshipItems, type StewardshipFilters } from '../hooks/use-stewardship';
import { StewardshipDetailPanel } from './stewardship-detail-panel';

// Fix-up tasks waiting for review (validation failures, conflicts) have their own view: "Fix-ups to review".
const KINDS = ['duplicate', 'unmatched_identity'];

/** Decisions waiting for a person: duplicates to merge, identities to link, refused fix-ups. */
export function StewardshipQueue() {
  const [params, setParams] = useSearchParams();
  const kind = params.get('kind') ?? '';
  const state = params.get('itemState') ?? 'open';
  const selected = params.get('item');
  // The URL's text: the API validates it (a 400 names an unknown kind or state).
  const query = useStewardshipItems({ kind: kind || undefined, state: state || undefined } as StewardshipFilters);
  const set = (name: string, value: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value !== null) next.set(name, value);
      else next.delete(name);
      return next;
    });

  return (
    <>
      <div className="filter-bar" role="group" aria-label="Filter stewardship items">
        <label className="field">
          <span>Kind</span>
          <select value={kind} onChange={(e) => set('kind', e.target.value || null)}>
            <option value="">any</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Item state</span>
          <select value={state} onChange={(e) => set('itemState', e.target.value)}>
            <option value="">any</option>
            <option value="open">open</option>
            <option value="decided">decided</option>
            <option value="dismissed">dismissed</option>
          </select>
        </label>
      </div>
      <div className={selected ? 'split split-open detail-wide' : 'split'}>
        <div className="split-main">
          <QueryState
            query={query}
            label="stewardship items"
            isEmpty={(p) => p.items.length === 0}
            emptyText="Nothing waits for a steward."
          >
            {(page) => (
              <div className="table-scroll">
                <table className={selected ? 'data-table compact' : 'data-table'}>
                  <thead>
                    <tr>
                      <th scope="col">Kind</th>
                      <th scope="col">Record</th>
                      <th scope="col" className="optional">
                        Candidates
                      </th>
                      <th scope="col">State</th>
                      <th scope="col" className="optional">
                        Assignee
                      </th>
                      <th scope="col" className="optional">
                        Raised
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((i) => (
                      <tr key={i.id} className={i.id === selected ? 'selected' : undefined}>
                        <td>{i.kind.replace('_', ' ')}</td>
                        <td>
                          <button type="button" className="link-button" onClick={() => set('item', i.id)}>
                            {i.entity} {i.subjectKey}
                          </button>{' '}
                          <span className="system-tag">{i.system}</span>
                        </td>
                        <td className="mono optional">{i.candidates.map((c) => c.entityKey).join(', ')}</td>
                        <td>
                          <StatusBadge value={i.state} />
                        </td>
                        <td className="optional">{i.assignee ?? '—'}</td>
                        <td className="optional">{formatDateTime(i.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </QueryState>
        </div>
        {selected && <StewardshipDetailPanel id={selected} onClose={() => set('item', null)} />}
      </div>
    </>
  );
}
