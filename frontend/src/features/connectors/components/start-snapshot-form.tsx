import { useState, type FormEvent } from 'react';
import type { ConnectorStatus } from '../hooks/use-connectors';
import { useStartSnapshot } from '../hooks/use-connectors';

/** What a snapshot can be of: the entities a connector lists (the select's options). */
type EntityKind = ConnectorStatus['entities'][number];

/** Queue a snapshot of one connector's entity (engineers and above). */
export function StartSnapshotForm({ connectors }: { connectors: ConnectorStatus[] }) {
  const start = useStartSnapshot();
  const [connectorId, setConnectorId] = useState(connectors[0]?.id ?? '');
  const connector = connectors.find((c) => c.id === connectorId);
  const [entity, setEntity] = useState<EntityKind | ''>(connector?.entities[0] ?? '');
  const [mode, setMode] = useState<'full' | 'incremental'>('full');

  function submit(event: FormEvent) {
    event.preventDefault();
    if (entity) start.mutate({ connectorId, entity, mode });
  }

  return (
    <form className="form-grid" onSubmit={submit} aria-label="Start a snapshot">
      <label className="field">
        <span>Connector</span>
        <select
          value={connectorId}
          onChange={(e) => {
            setConnectorId(e.target.value);
            setEntity(connectors.find((c) => c.id === e.target.value)?.entities[0] ?? '');
          }}
        >
          {connectors.map((c) => (
            <option key={c.id} value={c.id}>
              {c.id}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Entity</span>
        <select value={entity} onChange={(e) => setEntity(e.target.value as EntityKind)}>
          {connector?.entities.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Mode</span>
        <select value={mode} onChange={(e) => setMode(e.target.value === 'incremental' ? 'incremental' : 'full')}>
          <option value="full">full</option>
          {connector?.incremental && <option value="incremental">incremental</option>}
        </select>
      </label>
      <button type="submit" className="button primary" disabled={start.isPending || !entity}>
        {start.isPending ? 'Queueing…' : 'Start snapshot'}
      </button>
      {start.isError && (
        <p role="alert" className="error-text">
          {start.error.message}
        </p>
      )}
      {start.isSuccess && (
        <p role="status" className="muted">
          Queued run {start.data.runId.slice(0, 8)}.
        </p>
      )}
    </form>
  );
}
