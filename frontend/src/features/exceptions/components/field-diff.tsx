import type { FindingDetail } from '../../../api/findings';
import { StatusBadge } from '../../../ui/status-badge';

/** Every system's value of the field side by side; the owner's (system of record) value is marked. */
export function FieldDiff({ detail }: { detail: FindingDetail }) {
  const { sideBySide, finding } = detail;
  const owner = sideBySide.expectedValue;
  return (
    <table className="data-table field-diff">
      <caption>
        <span className="mono">{finding.field || finding.kind}</span> across systems
      </caption>
      <thead>
        <tr>
          <th scope="col">System</th>
          <th scope="col">Value</th>
          <th scope="col">Compared with owner</th>
        </tr>
      </thead>
      <tbody>
        <tr className="owner-row">
          <th scope="row">
            <span className="system-tag">{sideBySide.ownerSystem}</span>{' '}
            <span className="owner-mark" title="System of record for this field">
              owner
            </span>
          </th>
          <td className="value">{owner || '∅ (empty)'}</td>
          <td>system of record</td>
        </tr>
        {sideBySide.systems.map((s) => {
          const differs = s.value !== owner;
          return (
            <tr key={s.findingId} className={s.findingId === finding.id ? 'selected' : undefined}>
              <th scope="row">
                <span className="system-tag">{s.system}</span>
              </th>
              <td className={`value ${differs ? 'value-differs' : ''}`}>{s.value || '∅ (empty)'}</td>
              <td>
                {differs ? 'differs' : 'matches'} · <StatusBadge value={s.status} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
