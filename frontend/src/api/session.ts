import { useSyncExternalStore } from 'react';
import { credentialStore } from './credential-store';

/** The signed-in credential (API key or OIDC token) or null; re-renders on sign-in, sign-out and 401s. */
export function useCredential(): string | null {
  return useSyncExternalStore(
    (listener) => credentialStore.subscribe(listener),
    () => credentialStore.get(),
    () => null,
  );
}
