import { useEffect, useRef, type ReactNode } from 'react';
import { useFindingDetail, type Finding } from '../../../api/findings';
import { formatCount, formatDateTime } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { FieldDiff } from './field-diff';
import { FindingFixup } from './finding-fixup';
import { FindingHistory } from './finding-history';

/** Why a suppressed finding is out of the counts, alerts and fix-ups, who decided it, and until when. */
function SuppressionFacts({ finding: f }: { finding: Finding }) {
  return (
    <section aria-label="Suppression" className="suppression">
      <h3>Suppressed</h3>
      <dl className="facts">
        <dt>Reason</dt>
        <dd>{f.suppressedReason ?? <span className="muted">not recorded</span>}</dd>
        <dt>By</dt>
        <dd>
          {f.suppressedBy ?? <span className="muted">not recorded</span>}
          {f.suppressedAt && <span className="muted"> on {formatDateTime(f.suppressedAt)}</span>}
        </dd>
        <dt>Until</dt>
        <dd>
          {f.suppressedUntil ? (
            <time dateTime={f.suppressedUntil}>{formatDateTime(f.suppressedUntil)}</time>
          ) : (
            <span className="muted">until someone unsuppresses it</span>
          )}
        </dd>
      </dl>
    </section>
  );
}

/** Side panel for one finding: values across systems, its lifecycle, audit trail and fix-up task. */
export function FindingDetailPanel({
  id,
  onClose,
  actions,
}: {
  id: string;
  onClose: () => void;
  actions?: (finding: Finding) => ReactNode;
}) {
  const query = useFindingDetail(id);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);

  return (
    <aside className="detail-panel" aria-labelledby="finding-detail-title">
      <div className="detail-head">
        <h2 id="finding-detail-title" ref={heading} tabIndex={-1}>
          Finding
        </h2>
        <button type="button" className="button" onClick={onClose} aria-label="Close finding detail">
          Close
        </button>
      </div>
      <QueryState query={query} label="finding">
        {(detail) => {
          const f = detail.finding;
          return (
            <>
              <p className="detail-title">
                <StatusBadge value={f.severity} /> <StatusBadge value={f.status} />{' '}
                <span className="mono">{f.ruleId}</span> v{f.ruleVersion}
              </p>
              <dl className="facts">
                <dt>Status</dt>
                <dd>
                  {f.status} since <time dateTime={f.statusChangedAt}>{formatDateTime(f.statusChangedAt)}</time>
                </dd>
                <dt>Record</dt>
                <dd>
                  {f.entity} <span className="mono">{f.matchKey}</span>
                </dd>
                <dt>Kind</dt>
                <dd>{f.kind}</dd>
                <dt>Domain</dt>
                <dd>{f.domain}</dd>
                <dt>Seen</dt>
                <dd>{formatCount(f.occurrences)} runs</dd>
                <dt>Assignee</dt>
                <dd>
                  {f.assignee ? (
                    <>
                      {f.assignee}
                      {f.assignedAt && <span className="muted"> since {formatDateTime(f.assignedAt)}</span>}
                    </>
                  ) : (
                    <span className="muted">unassigned</span>
                  )}
                </dd>
              </dl>
              {f.status === 'suppressed' && <SuppressionFacts finding={f} />}
              {actions?.(f)}
              <FieldDiff detail={detail} />
              <h3>History</h3>
              <ol className="timeline">
                <li>
                  <time dateTime={f.firstSeenAt}>{formatDateTime(f.firstSeenAt)}</time> first seen by run{' '}
                  <span className="mono">{f.firstRunId.slice(0, 8)}</span>
                </li>
                <li>
                  <time dateTime={f.lastSeenAt}>{formatDateTime(f.lastSeenAt)}</time> last seen by run{' '}
                  <span className="mono">{f.lastRunId.slice(0, 8)}</span>
                </li>
                {f.resolvedAt && (
                  <li>
                    <time dateTime={f.resolvedAt}>{formatDateTime(f.resolvedAt)}</time> resolved
                  </li>
                )}
              </ol>
              <FindingHistory findingId={f.id} />
              <h3>Fix-up task</h3>
              <FindingFixup findingId={f.id} />
              {Object.keys(f.details).length > 0 && (
                <details>
                  <summary>Rule details</summary>
                  <pre className="code-block">{JSON.stringify(f.details, null, 2)}</pre>
                </details>
              )}
            </>
          );
        }}
      </QueryState>
    </aside>
  );
}
