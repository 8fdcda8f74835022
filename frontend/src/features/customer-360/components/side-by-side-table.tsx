import type { SideBySide } from '../hooks/use-customers';

/**
 * Every system's record of one entity side by side; the owner's value of each field is marked, and the
 * others where they differ from it (not system-local references, which differ by nature).
 */
export function SideBySideTable({ data, caption }: { data: SideBySide; caption: string }) {
  if (data.records.length === 0)
    return <p className="empty">No system holds a {caption.toLowerCase()} for this customer.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table field-diff">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            {data.records.map((r) => (
              <th scope="col" key={`${r.system}:${r.entityKey}`}>
                <span className="system-tag">{r.system}</span> <span className="mono small">{r.entityKey}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.fields.map((f) => (
            <tr key={f.field}>
              <th scope="row" className="mono">
                {f.field}
                {f.systemLocal && <div className="muted small">each system&apos;s own key</div>}
              </th>
              {f.values.map((value, i) => {
                const record = data.records[i];
                const owner = record?.system === f.ownerSystem;
                const ownerValue = f.values[data.records.findIndex((r) => r.system === f.ownerSystem)];
                const differs = f.differs && !owner && ownerValue !== undefined && value !== ownerValue;
                return (
                  <td
                    key={`${record?.system}:${record?.entityKey}`}
                    className={`value ${owner ? 'owner-cell' : ''} ${differs ? 'value-differs' : ''}`}
                  >
                    {value || '∅'} {owner && <span className="owner-mark">owner</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
