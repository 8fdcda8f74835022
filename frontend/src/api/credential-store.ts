/**
 * Where the signed-in API key or OIDC token lives: this browser tab's sessionStorage, so closing the
 * tab signs out and the secret never reaches localStorage. Listeners hear sign-in, sign-out and a 401.
 */
const KEY = 'driftwatch.credential';

type Listener = () => void;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage;
  } catch {
    return null;
  }
}

export const credentialStore = {
  get(): string | null {
    return storage()?.getItem(KEY) ?? null;
  },
  set(credential: string): void {
    storage()?.setItem(KEY, credential);
    listeners.forEach((l) => l());
  },
  clear(): void {
    storage()?.removeItem(KEY);
    listeners.forEach((l) => l());
  },
  /** The API answered 401: the credential was revoked or expired, so the user must sign in again. */
  rejected(): void {
    if (this.get() !== null) this.clear();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
