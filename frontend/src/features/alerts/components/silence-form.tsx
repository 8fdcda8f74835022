import { useState, type FormEvent } from 'react';
import { useSilenceActions } from '../hooks/use-alerts';

const DURATIONS = [
  { hours: 1, label: '1 hour' },
  { hours: 4, label: '4 hours' },
  { hours: 24, label: '1 day' },
  { hours: 168, label: '1 week' },
];

/** Silence a rule's or a domain's alerts for a while (engineers and above). */
export function SilenceForm() {
  const { create } = useSilenceActions();
  const [target, setTarget] = useState<'ruleId' | 'domain'>('ruleId');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [hours, setHours] = useState(4);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      {
        [target]: value.trim(),
        reason: reason.trim(),
        endsAt: new Date(Date.now() + hours * 3600_000).toISOString(),
      },
      {
        onSuccess: () => {
          setValue('');
          setReason('');
        },
      },
    );
  }

  return (
    <form className="form-grid" onSubmit={submit} aria-label="Create a silence">
      <label className="field">
        <span>Silence by</span>
        <select value={target} onChange={(e) => setTarget(e.target.value === 'domain' ? 'domain' : 'ruleId')}>
          <option value="ruleId">rule</option>
          <option value="domain">domain</option>
        </select>
      </label>
      <label className="field">
        <span>{target === 'ruleId' ? 'Rule id' : 'Domain'}</span>
        {target === 'domain' ? (
          <select value={value} onChange={(e) => setValue(e.target.value)} required>
            <option value="">choose…</option>
            {['customer', 'credit', 'order', 'contact'].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        ) : (
          <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="customer.presence" required />
        )}
      </label>
      <label className="field">
        <span>For</span>
        <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
          {DURATIONS.map((d) => (
            <option key={d.hours} value={d.hours}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Reason</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} minLength={3} required />
      </label>
      <button type="submit" className="button primary" disabled={create.isPending}>
        Create silence
      </button>
      {create.isError && (
        <p role="alert" className="error-text">
          {create.error.message}
        </p>
      )}
    </form>
  );
}
