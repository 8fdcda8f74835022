import type { CanonicalRecord, EntityKind, RejectedRecord } from './canonical-model';
import type { ExtractBatch, ExtractOptions } from './connector';
import { InvalidCursorError } from './connector.errors';
import type { ConnectorMetrics } from './connector-metrics';
import type { EntityMapper } from './mapping/entity-mapping';

/** Maps one page of source rows: good rows to records, bad ones to rejects; counts both. */
export function mapPage<E extends EntityKind>(
  mapper: EntityMapper<E>,
  rows: unknown[],
  metrics: ConnectorMetrics,
): { records: CanonicalRecord<E>[]; rejects: RejectedRecord[] } {
  const records: CanonicalRecord<E>[] = [];
  const rejects: RejectedRecord[] = [];
  for (const row of rows) {
    const result = mapper.map(row);
    if ('record' in result) records.push(result.record);
    else rejects.push(result.reject);
  }
  const labels = { connector: mapper.system, entity: mapper.entity };
  if (records.length) metrics.rows.inc({ ...labels, outcome: 'record' }, records.length);
  if (rejects.length) metrics.rows.inc({ ...labels, outcome: 'reject' }, rejects.length);
  return { records, rejects };
}

/**
 * Resume tokens are opaque to callers: base64url JSON naming the connector and entity, so a cursor
 * from another extract is refused instead of silently skipping or repeating data.
 */
export function encodeCursor(connectorId: string, entity: EntityKind, state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ c: connectorId, e: entity, s: state })).toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(
  connectorId: string,
  entity: EntityKind,
  cursor: string,
): T {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      c?: unknown;
      e?: unknown;
      s?: unknown;
    };
    if (parsed.c === connectorId && parsed.e === entity && typeof parsed.s === 'object' && parsed.s !== null) {
      return parsed.s as T;
    }
  } catch {
    // fall through to the typed error
  }
  throw new InvalidCursorError(connectorId, `cursor does not belong to a ${entity} extract of this connector`);
}

/** The `since` of an incremental extract; a full extract ignores it. */
export function sinceOf(options: ExtractOptions): Date | undefined {
  return options.mode === 'incremental' ? options.since : undefined;
}

export type BatchOf<E extends EntityKind> = ExtractBatch<E>;
