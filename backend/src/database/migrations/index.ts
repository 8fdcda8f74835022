import { AuditLog0000000000001 } from './0001-audit-log';
import { ApiKeys0000000000002 } from './0002-api-keys';

/** Every Postgres migration in order; listed explicitly so builds and tests load the same set. */
export const POSTGRES_MIGRATIONS = [AuditLog0000000000001, ApiKeys0000000000002];
