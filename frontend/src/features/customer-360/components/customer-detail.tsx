import { Link } from 'react-router';
import { formatDateTime } from '../../../ui/formatting';
import { Panel } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { useCustomer } from '../hooks/use-customers';
import { CustomerTimeline } from './customer-timeline';
import { SideBySideTable } from './side-by-side-table';

/** One customer across every system: records, crosswalk, open findings, fixes and a timeline. */
export function CustomerDetail({ customerNumber }: { customerNumber: string }) {
  const query = useCustomer(customerNumber);
  return (
    <QueryState query={query} label={`customer ${customerNumber}`}>
      {(c) => (
        <div className="stack">
          <Panel title={`Customer ${c.customerNumber}`}>
            <SideBySideTable data={c.customer} caption="Customer record in every system" />
            <SideBySideTable data={c.creditProfile} caption="Credit profile" />
          </Panel>
          <div className="grid">
            <Panel title={`Open findings (${c.openFindings.length})`}>
              {c.openFindings.length === 0 ? (
                <p className="empty">No open findings.</p>
              ) : (
                <ul className="plain-list">
                  {c.openFindings.map((f) => (
                    <li key={f.id}>
                      <StatusBadge value={f.severity} />{' '}
                      <Link to={`/exceptions?finding=${f.id}`} className="mono">
                        {f.ruleId}
                      </Link>{' '}
                      {f.entity === 'contact' && <>contact {f.matchKey} </>}
                      {f.field && <span className="mono">{f.field}</span>}:{' '}
                      <span className="system-tag">{f.ownerSystem}</span> {f.expectedValue || '∅'} vs{' '}
                      <span className="system-tag">{f.actualSystem}</span> {f.actualValue || '∅'}
                    </li>
                  ))}
                </ul>
              )}
            </Panel>
            <Panel title="Fixes">
              {c.fixTasks.length === 0 ? (
                <p className="empty">No fix-up tasks.</p>
              ) : (
                <ul className="plain-list">
                  {c.fixTasks.map((t) => (
                    <li key={t.id}>
                      <StatusBadge value={t.state} /> <Link to={`/fix-ups?task=${t.id}`}>task</Link> on{' '}
                      <span className="system-tag">{t.targetSystem}</span> · {formatDateTime(t.updatedAt)}
                    </li>
                  ))}
                </ul>
              )}
            </Panel>
            <Panel title="Crosswalk">
              {c.crosswalk.length === 0 ? (
                <p className="empty">No steward-confirmed identity links; records are matched by customer number.</p>
              ) : (
                <ul className="plain-list">
                  {c.crosswalk.map((l) => (
                    <li key={l.linkId}>
                      <span className="system-tag">{l.system}</span> <span className="mono">{l.entityKey}</span> →{' '}
                      <span className="mono">{l.globalId}</span> ({formatDateTime(l.linkedAt)})
                    </li>
                  ))}
                </ul>
              )}
            </Panel>
            <Panel title={`Contacts (${c.contacts.length})`}>
              {c.contacts.length === 0 ? (
                <p className="empty">No contacts.</p>
              ) : (
                <ul className="plain-list">
                  {c.contacts.map((r) => (
                    <li key={`${r.system}:${r.entityKey}`}>
                      <span className="system-tag">{r.system}</span> {r.fields.first_name} {r.fields.last_name}{' '}
                      <span className="muted">{r.fields.email}</span>
                    </li>
                  ))}
                </ul>
              )}
            </Panel>
          </div>
          <Panel title="Timeline">
            <CustomerTimeline events={c.timeline} />
          </Panel>
        </div>
      )}
    </QueryState>
  );
}
