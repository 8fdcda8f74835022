import type { FixupTask } from '../hooks/use-fixups';

const text = (v: unknown) =>
  v === null || v === undefined || v === '' ? '∅' : typeof v === 'string' ? v : JSON.stringify(v);

/** The fields a task writes: old value (the write is conditional on it) → new value. */
export function FixupChanges({ changes }: { changes: FixupTask['changes'] }) {
  if (changes.length === 0) return <span className="muted">no field changes</span>;
  return (
    <ul className="change-list">
      {changes.map((c) => (
        <li key={c.field}>
          <span className="mono">{c.field}</span>: <span className="value">{text(c.expectedOld)}</span> →{' '}
          <span className="value value-new">{text(c.newValue)}</span>
        </li>
      ))}
    </ul>
  );
}
