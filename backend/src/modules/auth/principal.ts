import type { Role } from './roles';

/** Who is calling: an API key or an OIDC subject. `actor` is what the audit log records. */
export interface Principal {
  kind: 'api-key' | 'oidc';
  /** API key id (public part of the key) or the token's `sub`. */
  id: string;
  /** Human-friendly name: the key's name or the token's preferred_username/email/sub. */
  name: string;
  roles: Role[];
  actor: string;
}

/** The request fields the auth guard and the audit interceptor share. */
export interface AuthenticatedRequest {
  principal?: Principal;
  /** Set when a service wrote an explicit audit entry for this request (see AuditService). */
  auditRecorded?: boolean;
}
