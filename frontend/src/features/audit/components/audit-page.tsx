import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { AUDIT_FILTER_NAMES, useAuditLog, type AuditFilters } from '../../../api/audit';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { formatDateTime } from '../../../ui/formatting';
import { Page } from '../../../ui/page';
import { PagedQueryState } from '../../../ui/paged-query-state';

const TEXT_FILTERS: { name: keyof AuditFilters; label: string }[] = [
  { name: 'actor', label: 'Actor' },
  { name: 'action', label: 'Action' },
  { name: 'subjectType', label: 'Subject type' },
  { name: 'subjectId', label: 'Subject id' },
];

/** Who changed what and when (stewards and admins); filters in the URL. */
export function AuditPage() {
  const role = useCurrentRole();
  const [params, setParams] = useSearchParams();
  const filters: AuditFilters = {};
  for (const name of AUDIT_FILTER_NAMES) {
    const v = params.get(name);
    if (v) filters[name] = v;
  }
  const allowed = roleAllows(role, 'steward');
  const query = useAuditLog(filters, '-at', allowed);
  const [draft, setDraft] = useState<AuditFilters>(filters);
  const key = params.toString();
  // Re-sync the form when the URL changes (back/forward).
  useEffect(() => setDraft(Object.fromEntries(new URLSearchParams(key))), [key]);

  if (role !== undefined && !allowed) {
    return (
      <Page title="Audit log">
        <p className="empty">The audit log is visible to stewards and admins.</p>
      </Page>
    );
  }

  function apply(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(draft)) if (typeof v === 'string' && v.trim()) next.set(k, v.trim());
    setParams(next);
  }

  return (
    <Page title="Audit log">
      <form className="filter-bar" onSubmit={apply} aria-label="Filter the audit log">
        {TEXT_FILTERS.map(({ name, label }) => (
          <label key={name} className="field">
            <span>{label}</span>
            <input value={draft[name] ?? ''} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} />
          </label>
        ))}
        <div className="filter-actions">
          <button type="submit" className="button primary">
            Apply
          </button>
          <button type="button" className="button" onClick={() => setParams(new URLSearchParams())}>
            Clear
          </button>
        </div>
      </form>
      <PagedQueryState
        query={query}
        label="audit log"
        itemsOf={(page) => page.items}
        emptyText="No audit entries match."
      >
        {(entries) => (
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td>{formatDateTime(e.at)}</td>
                    <td className="mono">{e.actor}</td>
                    <td className="mono">{e.action}</td>
                    <td>
                      {e.subjectType} <span className="mono">{e.subjectId ?? ''}</span>
                    </td>
                    <td>
                      <details>
                        <summary>before / after</summary>
                        <pre className="code-block">
                          {JSON.stringify({ before: e.before, after: e.after }, null, 2)}
                        </pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedQueryState>
    </Page>
  );
}
