import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { formatDateTime } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { FIXUP_STATES, useFixups, type FixupFilters } from '../hooks/use-fixups';
import { FixupActions } from './fixup-actions';
import { FixupChanges } from './fixup-changes';
import { FixupDetailPanel } from './fixup-detail-panel';

/** The list shows tasks in flight or waiting (every state but done and dismissed) unless told otherwise. */
const DEFAULT_STATE = 'open';
/** Every state (kept in the URL, never sent: the API's default). */
const ANY_STATE = 'any';

/** Fix-up tasks by state (dead letters included), with bulk approve / retry / replay / dismiss. */
export function FixupTasks() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? DEFAULT_STATE;
  const selected = params.get('task');
  const role = useCurrentRole();
  const canAct = roleAllows(role, 'engineer');
  const query = useFixups({
    // The URL's text: the API validates it (a 400 names an unknown state).
    state: state === ANY_STATE ? undefined : (state as FixupFilters['state']),
    ruleId: params.get('ruleId') ?? undefined,
  });
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const set = (name: string, value: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });

  return (
    <>
      <div className="filter-bar" role="group" aria-label="Filter fix-up tasks">
        <label className="field">
          <span>State</span>
          <select
            value={state}
            onChange={(e) => {
              setChecked(new Set());
              set('state', e.target.value === DEFAULT_STATE ? null : e.target.value);
            }}
          >
            <option value={DEFAULT_STATE}>open (not done or dismissed)</option>
            <option value={ANY_STATE}>any</option>
            {FIXUP_STATES.map((s) => (
              <option key={s} value={s}>
                {s === 'dead_lettered' ? 'dead_lettered (dead letter)' : s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" onClick={() => set('state', 'dead_lettered')}>
          Dead letters
        </button>
        <button type="button" className="button" onClick={() => set('state', 'needs_review')}>
          Needs review
        </button>
      </div>
      <div className={selected ? 'split split-open' : 'split'}>
        <div className="split-main">
          <QueryState
            query={query}
            label="fix-up tasks"
            isEmpty={(p) => p.items.length === 0}
            emptyText={state === ANY_STATE ? 'No fix-up tasks yet.' : `No fix-up tasks are ${state}.`}
          >
            {(page) => {
              const tasks = page.items;
              const ticked = tasks.filter((t) => checked.has(t.id));
              return (
                <>
                  {canAct && ticked.length > 0 && <FixupActions tasks={ticked} onDone={() => setChecked(new Set())} />}
                  <div className="table-scroll">
                    <table className={selected ? 'data-table compact' : 'data-table'}>
                      <thead>
                        <tr>
                          {canAct && (
                            <th scope="col">
                              <input
                                type="checkbox"
                                aria-label="Select all tasks on this page"
                                checked={ticked.length === tasks.length}
                                onChange={(e) => setChecked(new Set(e.target.checked ? tasks.map((t) => t.id) : []))}
                              />
                            </th>
                          )}
                          <th scope="col">State</th>
                          <th scope="col">Record</th>
                          <th scope="col">Writes</th>
                          <th scope="col" className="optional">
                            Rule
                          </th>
                          <th scope="col" className="optional">
                            Policy
                          </th>
                          <th scope="col" className="num optional">
                            Attempts
                          </th>
                          <th scope="col">Updated</th>
                        </tr>
                      </thead>
                      <tbody>
                        {tasks.map((t) => (
                          <tr key={t.id} className={t.id === selected ? 'selected' : undefined}>
                            {canAct && (
                              <td>
                                <input
                                  type="checkbox"
                                  aria-label={`Select task ${t.entity} ${t.matchKey} ${t.targetSystem}`}
                                  checked={checked.has(t.id)}
                                  onChange={(e) => {
                                    const next = new Set(checked);
                                    if (e.target.checked) next.add(t.id);
                                    else next.delete(t.id);
                                    setChecked(next);
                                  }}
                                />
                              </td>
                            )}
                            <td>
                              <StatusBadge value={t.state} />
                              {t.lastError && <div className="error-text small">{t.lastError}</div>}
                            </td>
                            <td>
                              <button type="button" className="link-button" onClick={() => set('task', t.id)}>
                                {t.entity} {t.matchKey}
                              </button>{' '}
                              → <span className="system-tag">{t.targetSystem}</span>
                            </td>
                            <td>
                              <FixupChanges changes={t.changes} />
                            </td>
                            <td className="mono optional">{t.ruleId}</td>
                            <td className="optional">{t.policy}</td>
                            <td className="num optional">{t.attempts}</td>
                            <td>{formatDateTime(t.updatedAt)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  {page.nextCursor && (
                    <p className="muted">Showing the newest {tasks.length}; filter to narrow down.</p>
                  )}
                </>
              );
            }}
          </QueryState>
        </div>
        {selected && <FixupDetailPanel id={selected} onClose={() => set('task', null)} />}
      </div>
    </>
  );
}
