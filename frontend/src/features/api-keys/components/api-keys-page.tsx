import { useState } from 'react';
import { useApiKeyActions, useApiKeys, type ApiKey, type CreatedApiKey } from '../../../api/api-keys';
import { credentialStore } from '../../../api/credential-store';
import { roleAllows, useCurrentRole } from '../../../api/current-role';
import { formatDateTime, formatShortDateTime } from '../../../ui/formatting';
import { Page, Panel } from '../../../ui/page';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { CreateApiKeyForm } from './create-api-key-form';
import { NewKeyNotice } from './new-key-notice';

/** The public key id of the signed-in credential (`dwk_<keyId>_<secret>`), or null for an OIDC token. */
const signedInKeyId = (): string | null => /^dwk_([0-9a-z]+)_/.exec(credentialStore.get() ?? '')?.[1] ?? null;

/** API keys for people and tools (admins): who holds which role, create one, revoke one. */
export function ApiKeysPage() {
  const role = useCurrentRole();
  const allowed = roleAllows(role, 'admin');
  const query = useApiKeys(allowed);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [showInactive, setShowInactive] = useState(false);

  if (role !== undefined && !allowed) {
    return (
      <Page title="API keys">
        <p className="empty">API keys are managed by admins.</p>
      </Page>
    );
  }
  return (
    <Page title="API keys">
      <Panel title="New key">
        <CreateApiKeyForm onCreated={setCreated} />
        {created && <NewKeyNotice created={created} onDismiss={() => setCreated(null)} />}
      </Panel>
      <Panel title="Keys">
        <label className="toolbar">
          <input type="checkbox" checked={showInactive} onChange={(e) => setShowInactive(e.target.checked)} />
          Show revoked and expired keys
        </label>
        <QueryState
          query={query}
          label="API keys"
          isEmpty={(keys) => !keys.some((k) => showInactive || k.status === 'active')}
          emptyText="No active keys."
        >
          {(keys) => (
            <ApiKeysTable
              keys={keys.filter((k) => showInactive || k.status === 'active')}
              // Revoked keys too: a key made by one since revoked still names its creator.
              names={new Map(keys.map((k) => [k.keyId, k.name]))}
            />
          )}
        </QueryState>
      </Panel>
    </Page>
  );
}

/** An actor as the audit trail writes it; `api-key:<keyId>` named after that key when it is listed. */
function actorLabel(actor: string | null, names: Map<string, string>): string {
  const keyId = /^api-key:(\w+)$/.exec(actor ?? '')?.[1];
  const name = keyId ? names.get(keyId) : undefined;
  return name ? `${name} (dwk_${keyId})` : (actor ?? 'unknown');
}

function ApiKeysTable({ keys, names }: { keys: ApiKey[]; names: Map<string, string> }) {
  const own = signedInKeyId();
  return (
    <div className="table-scroll">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Roles</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <td>
                {key.name}
                {key.keyId === own && <span className="muted"> (this session)</span>}
              </td>
              <td className="mono">dwk_{key.keyId}_…</td>
              <td>{key.roles.join(', ')}</td>
              <td>
                <StatusBadge value={key.status} />
                {key.revokedAt && (
                  <div className="muted">
                    by {actorLabel(key.revokedBy, names)}, {formatShortDateTime(key.revokedAt)}
                  </div>
                )}
              </td>
              <td title={formatDateTime(key.createdAt)}>
                {formatShortDateTime(key.createdAt)}
                <div className="muted">by {actorLabel(key.createdBy, names)}</div>
              </td>
              <td>{key.expiresAt ? formatShortDateTime(key.expiresAt) : 'never'}</td>
              <td>{key.lastUsedAt ? formatShortDateTime(key.lastUsedAt) : 'never'}</td>
              <td>{key.status === 'active' && <RevokeButton apiKey={key} own={key.keyId === own} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Revoking is final, so it asks once more (in the row, no browser dialog). */
function RevokeButton({ apiKey, own }: { apiKey: ApiKey; own: boolean }) {
  const { revoke } = useApiKeyActions();
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className="button" onClick={() => setConfirming(true)} aria-label={`Revoke ${apiKey.name}`}>
        Revoke
      </button>
    );
  }
  return (
    <div className="toolbar">
      {own && <span className="error-text">This is the key you are signed in with.</span>}
      <button
        type="button"
        className="button danger"
        disabled={revoke.isPending}
        onClick={() => revoke.mutate(apiKey.id, { onSuccess: () => setConfirming(false) })}
      >
        Revoke {apiKey.name} for good
      </button>
      <button type="button" className="button" onClick={() => setConfirming(false)}>
        Keep
      </button>
      {revoke.isError && (
        <span role="alert" className="error-text">
          {revoke.error.message}
        </span>
      )}
    </div>
  );
}
