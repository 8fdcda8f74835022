import { useState } from 'react';
import type { CreatedApiKey } from '../../../api/api-keys';

/**
 * The secret of a key just created. The API stores only its hash and never shows it again, so it
 * stays here until the admin dismisses it, selectable even where the clipboard is not available.
 */
export function NewKeyNotice({ created, onDismiss }: { created: CreatedApiKey; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () => {
    navigator.clipboard
      .writeText(created.key)
      .then(() => setCopied('yes'))
      .catch(() => setCopied('failed'));
  };
  return (
    <div className="new-key" role="status" aria-label={`New key ${created.apiKey.name}`}>
      <p>
        <strong>{created.apiKey.name}</strong> ({created.apiKey.roles.join(', ')}) is ready. Copy the key now: it is not
        shown again.
      </p>
      <div className="toolbar">
        <input
          className="mono new-key-value"
          readOnly
          value={created.key}
          aria-label="New API key"
          onFocus={(e) => e.target.select()}
        />
        {typeof navigator.clipboard?.writeText === 'function' && (
          <button type="button" className="button" onClick={copy}>
            Copy
          </button>
        )}
        <button type="button" className="button" onClick={onDismiss}>
          Done
        </button>
      </div>
      {copied === 'yes' && <p className="muted">Copied.</p>}
      {copied === 'failed' && (
        <p className="error-text">The browser refused the clipboard; select the key and copy it.</p>
      )}
    </div>
  );
}
