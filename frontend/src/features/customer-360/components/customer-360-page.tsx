import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Page } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { useCustomerSearch } from '../hooks/use-customers';
import { CustomerDetail } from './customer-detail';

/** Search one customer, then see it across every system. Search and the open customer live in the URL. */
export function Customer360Page() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const selected = params.get('customer');
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const search = useCustomerSearch(q);

  function submit(event: FormEvent) {
    event.preventDefault();
    setParams(draft.trim() ? { q: draft.trim() } : {});
  }

  return (
    <Page title="Customer 360">
      <form className="filter-bar" role="search" onSubmit={submit}>
        <label className="field grow">
          <span>Customer number, name or email</span>
          <input
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="C000123, Acme, ap@acme.example"
          />
        </label>
        <button type="submit" className="button primary">
          Search
        </button>
      </form>
      {q.length > 0 && q.length < 2 && <p className="muted">Type at least 2 characters.</p>}
      {q.length >= 2 && !selected && (
        <QueryState
          query={search}
          label="customers"
          isEmpty={(p) => p.items.length === 0}
          emptyText={`No customer matches “${q}”.`}
        >
          {(page) => (
            <div className="table-scroll">
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Customer</th>
                    <th scope="col">Legal name</th>
                    <th scope="col">Systems</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((m) => (
                    <tr key={m.customerNumber}>
                      <td>
                        <button
                          type="button"
                          className="link-button mono"
                          onClick={() => setParams({ q, customer: m.customerNumber })}
                        >
                          {m.customerNumber}
                        </button>
                      </td>
                      <td>{m.records[0]?.legalName}</td>
                      <td>
                        {m.records.map((r) => (
                          <span key={`${r.system}:${r.entityKey}`} className="system-tag spaced-tag">
                            {r.system}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
      )}
      {selected && (
        <>
          <button type="button" className="button" onClick={() => setParams(q ? { q } : {})}>
            ← Back to results
          </button>
          <CustomerDetail customerNumber={selected} />
        </>
      )}
      {!q && !selected && <p className="empty">Search a customer to see every system’s record side by side.</p>}
    </Page>
  );
}
