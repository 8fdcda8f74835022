/**
 * The role of the signed-in credential, so pages show only the buttons it can use. The API says who
 * the caller is (`GET /api/v1/auth/me`: kind, name, roles); the highest role held decides.
 */
import { useQuery } from '@tanstack/react-query';
import type { ApiSchemas } from './api-schemas';
import { credentialStore } from './credential-store';

export const ROLES = ['viewer', 'engineer', 'steward', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `held` is at or above `needed` (each role includes the ones before it, as in the API). */
export const roleAllows = (held: Role | undefined, needed: Role): boolean =>
  held !== undefined && ROLES.indexOf(held) >= ROLES.indexOf(needed);

/** What `GET /api/v1/auth/me` answers: never a secret. */
export type CurrentCredential = ApiSchemas['CurrentCredentialView'];

export class CredentialRejectedError extends Error {
  constructor() {
    super('The API did not accept this key or token.');
    this.name = 'CredentialRejectedError';
  }
}

/**
 * Asks the API about a credential. It runs before sign-in completes (the credential is not stored
 * yet), so it sends the credential itself instead of going through the http client.
 */
export async function fetchCurrentCredential(credential: string): Promise<CurrentCredential> {
  const res = await fetch('/api/v1/auth/me', {
    headers: { accept: 'application/json', authorization: `Bearer ${credential}` },
  });
  if (res.status === 401) throw new CredentialRejectedError();
  if (res.status === 403) throw new Error('This credential holds no dashboard role.');
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => undefined);
    const message = (body as { message?: unknown } | undefined)?.message;
    throw new Error(
      `Could not read this credential's roles: ${typeof message === 'string' ? message : `HTTP ${res.status}`}`,
    );
  }
  return (await res.json()) as CurrentCredential;
}

/** The highest known role in `roles`, or undefined when it holds none the dashboard knows. */
export function highestRole(roles: readonly string[]): Role | undefined {
  const known = ROLES.filter((role) => roles.includes(role));
  return known[known.length - 1];
}

/** Resolves the highest role of a credential; throws CredentialRejectedError on a 401. */
export async function resolveRole(credential: string): Promise<Role> {
  const role = highestRole((await fetchCurrentCredential(credential)).roles);
  if (!role) throw new Error('This credential holds no dashboard role.');
  return role;
}

/** The signed-in credential's role; the query cache is cleared on sign-in and sign-out (see SessionGate). */
export function useCurrentRole(): Role | undefined {
  const { data } = useQuery({
    queryKey: ['session', 'role'],
    queryFn: () => resolveRole(credentialStore.get() ?? ''),
    enabled: credentialStore.get() !== null,
    staleTime: Infinity,
  });
  return data;
}
