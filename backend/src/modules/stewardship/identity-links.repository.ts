import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { IdentityLink, LinkStatus, RecordRef } from './stewardship-item';
import type { Tx } from './stewardship-items.repository';

interface LinkRecord {
  id: string;
  entity: string;
  system_a: string;
  key_a: string;
  system_b: string;
  key_b: string;
  status: LinkStatus;
  global_id: string;
  item_id: string | null;
  decided_by: string;
  decided_at: string;
}

/** A pair in a fixed order (JavaScript string order), so the same two records always give one `pairId`. */
export function orderedPair(x: RecordRef, y: RecordRef): { a: RecordRef; b: RecordRef } {
  const before = x.system < y.system || (x.system === y.system && x.entityKey < y.entityKey);
  return before ? { a: x, b: y } : { a: y, b: x };
}

export const pairId = (entity: string, x: RecordRef, y: RecordRef): string => {
  const { a, b } = orderedPair(x, y);
  return [entity, a.system, a.entityKey, b.system, b.entityKey].join('\u0000');
};

const SELECT = `SELECT id::text AS id, entity, system_a, key_a, system_b, key_b, status, global_id,
  item_id::text AS item_id, decided_by,
  to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS decided_at FROM identity_links`;

/** Confirmed and rejected identity links (Postgres `identity_links`): the decisions behind the crosswalk. */
@Injectable()
export class IdentityLinksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a decision on a pair. Comparison happens in SQL (`(system_a, key_a) < (system_b, key_b)`),
   * so the order is taken from Postgres rather than trusted from JavaScript's string order.
   */
  async save(
    tx: Tx,
    link: {
      entity: string;
      x: RecordRef;
      y: RecordRef;
      status: LinkStatus;
      globalId: string;
      itemId: string;
      actor: string;
    },
  ): Promise<IdentityLink> {
    const rows: LinkRecord[] = await tx.query(
      `WITH p AS (
         SELECT CASE WHEN ($2::text, $3::text) < ($4::text, $5::text) THEN $2 ELSE $4 END AS system_a,
                CASE WHEN ($2::text, $3::text) < ($4::text, $5::text) THEN $3 ELSE $5 END AS key_a,
                CASE WHEN ($2::text, $3::text) < ($4::text, $5::text) THEN $4 ELSE $2 END AS system_b,
                CASE WHEN ($2::text, $3::text) < ($4::text, $5::text) THEN $5 ELSE $3 END AS key_b)
       INSERT INTO identity_links (id, entity, system_a, key_a, system_b, key_b, status, global_id, item_id, decided_by)
       SELECT $6::uuid, $1, p.system_a, p.key_a, p.system_b, p.key_b, $7, $8, $9::uuid, $10 FROM p
       ON CONFLICT (entity, system_a, key_a, system_b, key_b) DO UPDATE SET
         status = EXCLUDED.status, global_id = EXCLUDED.global_id, item_id = EXCLUDED.item_id,
         decided_by = EXCLUDED.decided_by, decided_at = now()
       RETURNING id::text AS id, entity, system_a, key_a, system_b, key_b, status, global_id, item_id::text AS item_id,
         decided_by, to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS decided_at`,
      [
        link.entity,
        link.x.system,
        link.x.entityKey,
        link.y.system,
        link.y.entityKey,
        randomUUID(),
        link.status,
        link.globalId,
        link.itemId,
        link.actor,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('identity link was not saved');
    return toLink(row);
  }

  /** Every decided link that involves one of these records (either side). */
  async involving(entity: string, records: readonly RecordRef[], tx?: Tx): Promise<IdentityLink[]> {
    if (records.length === 0) return [];
    const rows: LinkRecord[] = await (tx ?? this.dataSource).query(
      `${SELECT} WHERE entity = $1 AND (
         (system_a, key_a) IN (SELECT * FROM unnest($2::text[], $3::text[]))
         OR (system_b, key_b) IN (SELECT * FROM unnest($2::text[], $3::text[])))`,
      [entity, records.map((r) => r.system), records.map((r) => r.entityKey)],
    );
    return rows.map(toLink);
  }
}

function toLink(row: LinkRecord): IdentityLink {
  return {
    id: row.id,
    entity: row.entity,
    a: { system: row.system_a, entityKey: row.key_a },
    b: { system: row.system_b, entityKey: row.key_b },
    status: row.status,
    globalId: row.global_id,
    itemId: row.item_id,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
  };
}
