/**
 * The role of the signed-in credential, so pages show only the buttons it can use.
 *
 * The API has no "who am I" endpoint yet. Until it has one, the role is read from the guard's own
 * answers to calls that change nothing: the guard decides (401/403) before any handler or validation
 * runs, so an admin-only list, a steward-only list and an engineer-only POST with an empty body (400
 * from validation for an engineer, 403 from the guard for a viewer) tell the highest role held.
 */
import { useQuery } from '@tanstack/react-query';
import { credentialStore } from './credential-store';

export const ROLES = ['viewer', 'engineer', 'steward', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `held` is at or above `needed` (each role includes the ones before it, as in the API). */
export const roleAllows = (held: Role | undefined, needed: Role): boolean =>
  held !== undefined && ROLES.indexOf(held) >= ROLES.indexOf(needed);

async function guardAllows(method: 'GET' | 'POST', path: string, credential: string): Promise<boolean> {
  const res = await fetch(path, {
    method,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${credential}`,
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
    body: method === 'POST' ? '{}' : undefined,
  });
  if (res.status === 401) throw new CredentialRejectedError();
  return res.status !== 403;
}

export class CredentialRejectedError extends Error {
  constructor() {
    super('The API did not accept this key or token.');
    this.name = 'CredentialRejectedError';
  }
}

/** Resolves the highest role of a credential; throws CredentialRejectedError on a 401. */
export async function resolveRole(credential: string): Promise<Role> {
  if (!(await guardAllows('GET', '/api/v1/findings?limit=1', credential))) {
    throw new Error('This credential may not read findings: it holds no dashboard role.');
  }
  if (await guardAllows('GET', '/api/v1/api-keys', credential)) return 'admin';
  if (await guardAllows('GET', '/api/v1/audit?limit=1', credential)) return 'steward';
  if (await guardAllows('POST', '/api/v1/alerts/silences', credential)) return 'engineer';
  return 'viewer';
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
