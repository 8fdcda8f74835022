import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { credentialStore } from '../api/credential-store';
import { CredentialRejectedError, resolveRole } from '../api/current-role';

/** Sign-in with an API key (`dwk_…`) or an OIDC bearer token; both travel as `Authorization: Bearer`. */
export function SignInForm({ pageTitle }: { pageTitle: string }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const credential = value.trim();
    if (!credential) {
      setError('Enter an API key or an OIDC token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const role = await resolveRole(credential);
      queryClient.clear();
      queryClient.setQueryData(['session', 'role'], role);
      credentialStore.set(credential);
    } catch (e) {
      setError(
        e instanceof CredentialRejectedError
          ? 'The API did not accept this key or token (wrong, revoked or expired).'
          : e instanceof Error
            ? e.message
            : String(e),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="page-title" className="sign-in">
      <h1 id="page-title">{pageTitle}</h1>
      <form onSubmit={(e) => void submit(e)} className="panel sign-in-form">
        <h2>Sign in</h2>
        <p className="muted">
          Use an API key (<code>npm run demo</code> prints a first admin key) or an OIDC access token. It is kept for
          this browser tab only.
        </p>
        <label htmlFor="credential">API key or OIDC token</label>
        <input
          id="credential"
          type="password"
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'credential-error' : undefined}
        />
        {error && (
          <p id="credential-error" role="alert" className="error-text">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
