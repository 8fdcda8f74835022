import { useState, type FormEvent } from 'react';
import { ROLES, type Role } from '../../../api/current-role';
import type { CreatedApiKey } from '../../../api/api-keys';
import { useApiKeyActions } from '../../../api/api-keys';

const LIFETIMES = [
  { days: 0, label: 'never expires' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
];

/** A new key for a person or a tool; roles are ranked, so one role is all a key needs. */
export function CreateApiKeyForm({ onCreated }: { onCreated: (created: CreatedApiKey) => void }) {
  const { create } = useApiKeyActions();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [days, setDays] = useState(90);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      {
        name: name.trim(),
        roles: [role],
        expiresAt: days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined,
      },
      {
        onSuccess: (created) => {
          setName('');
          onCreated(created);
        },
      },
    );
  }

  return (
    <form className="form-grid" onSubmit={submit} aria-label="Create an API key">
      <label className="field">
        <span>Name</span>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="ops-leads or grafana"
          maxLength={100}
          required
        />
      </label>
      <label className="field">
        <span>Key role</span>
        <select value={role} onChange={(e) => setRole(ROLES.find((r) => r === e.target.value) ?? 'viewer')}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Expires</span>
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {LIFETIMES.map((l) => (
            <option key={l.days} value={l.days}>
              {l.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button primary" disabled={create.isPending}>
        Create key
      </button>
      {create.isError && (
        <p role="alert" className="error-text">
          {create.error.message}
        </p>
      )}
    </form>
  );
}
