import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  Decision,
  ItemEventView,
  ItemState,
  ItemView,
  LinkSuggestion,
  OpenItemInput,
  RecordRef,
} from './stewardship-item';
import type { StewardshipListQuery } from './stewardship-query';

interface ItemRecord {
  id: string;
  kind: ItemView['kind'];
  source_type: ItemView['sourceType'];
  source_id: string;
  rule_id: string | null;
  entity: string;
  system: string;
  subject_key: string;
  candidates: RecordRef[];
  suggestion: LinkSuggestion | null;
  score: number;
  details: Record<string, unknown>;
  state: ItemState;
  assignee: string | null;
  decision: Decision | null;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

/** A database handle: the data source, or a transaction's manager. */
export type Tx = EntityManager;

// Column names come only from these maps; values only ever travel as $n parameters.
const FILTER_COLUMNS = {
  kind: 'kind',
  state: 'state',
  ruleId: 'rule_id',
  system: 'system',
  entity: 'entity',
  assignee: 'assignee',
} as const;
const SORT_COLUMNS = {
  createdAt: { column: 'created_at', cast: 'timestamptz' },
  updatedAt: { column: 'updated_at', cast: 'timestamptz' },
  score: { column: 'score', cast: 'float8' },
} as const;

const ts = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${column}`;
const SELECT = `SELECT id::text AS id, kind, source_type, source_id, rule_id, entity, system, subject_key, candidates,
  suggestion, score, details, state, assignee, decision, decided_by, ${ts('decided_at')}, reason,
  ${ts('created_at')}, ${ts('updated_at')} FROM stewardship_items`;

/** Stewardship items and their transition history (Postgres). */
@Injectable()
export class StewardshipItemsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Inserts the item unless one exists for the same source. With `refresh`, an existing open item takes
   * the fresh candidates, suggestion and score; one the system dismissed (its finding had resolved) opens
   * again; one a person decided or dismissed is left exactly as it was.
   */
  async upsert(
    input: OpenItemInput,
    actor: string,
    options: { refresh: boolean },
  ): Promise<{ item: ItemView; created: boolean }> {
    return this.transaction(async (tx) => {
      const inserted: { id: string }[] = await tx.query(
        `INSERT INTO stewardship_items (id, kind, source_type, source_id, rule_id, entity, system, subject_key,
           candidates, suggestion, score, details, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12::jsonb, 'open')
         ON CONFLICT (source_type, source_id) DO NOTHING
         RETURNING id::text AS id`,
        [
          randomUUID(),
          input.kind,
          input.sourceType,
          input.sourceId,
          input.ruleId ?? null,
          input.entity,
          input.system,
          input.subjectKey,
          JSON.stringify(input.candidates),
          input.suggestion ? JSON.stringify(input.suggestion) : null,
          input.score ?? 1,
          JSON.stringify(input.details ?? {}),
        ],
      );
      const createdId = inserted[0]?.id;
      if (createdId) await this.addEvent(tx, createdId, { action: 'open', fromState: null, toState: 'open', actor });
      const existing: ItemRecord[] = await tx.query(`${SELECT} WHERE source_type = $1 AND source_id = $2 FOR UPDATE`, [
        input.sourceType,
        input.sourceId,
      ]);
      const row = existing[0];
      if (!row) throw new Error(`stewardship item for ${input.sourceType} ${input.sourceId} vanished`);
      const reopen = row.state === 'dismissed' && row.decided_by === 'system';
      if (!createdId && ((options.refresh && row.state === 'open') || reopen)) {
        await tx.query(
          `UPDATE stewardship_items SET candidates = $2::jsonb, suggestion = $3::jsonb, score = $4, details = $5::jsonb,
             state = 'open', decision = NULL, decided_by = NULL, decided_at = NULL, reason = NULL, updated_at = now()
           WHERE id = $1::uuid AND (state <> 'open' OR (candidates, suggestion, score, details)
             IS DISTINCT FROM ($2::jsonb, $3::jsonb, $4::float8, $5::jsonb))`,
          [
            row.id,
            JSON.stringify(input.candidates),
            input.suggestion ? JSON.stringify(input.suggestion) : null,
            input.score ?? 1,
            JSON.stringify(input.details ?? {}),
          ],
        );
        if (reopen) {
          await this.addEvent(tx, row.id, {
            action: 'reopen',
            fromState: 'dismissed',
            toState: 'open',
            actor,
            reason: `${input.sourceType} ${input.sourceId} seen again`,
          });
        }
      }
      const item = await this.findById(row.id, tx);
      if (!item) throw new Error(`stewardship item ${row.id} vanished`);
      return { item, created: createdId !== undefined };
    });
  }

  async findById(id: string, tx?: Tx): Promise<ItemView | null> {
    const rows: ItemRecord[] = await (tx ?? this.dataSource).query(`${SELECT} WHERE id = $1::uuid`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Locks the item's row for the rest of the transaction: decisions on one item are serialised here. */
  async lock(tx: Tx, id: string): Promise<ItemView | null> {
    const rows: ItemRecord[] = await tx.query(`${SELECT} WHERE id = $1::uuid FOR UPDATE`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async findBySource(sourceType: string, sourceId: string, tx?: Tx): Promise<ItemView | null> {
    const rows: ItemRecord[] = await (tx ?? this.dataSource).query(
      `${SELECT} WHERE source_type = $1 AND source_id = $2`,
      [sourceType, sourceId],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  async setAssignee(tx: Tx, id: string, assignee: string | null): Promise<void> {
    await tx.query(`UPDATE stewardship_items SET assignee = $2, updated_at = now() WHERE id = $1::uuid`, [
      id,
      assignee,
    ]);
  }

  async close(
    tx: Tx,
    id: string,
    change: { state: Exclude<ItemState, 'open'>; decision: Decision | null; actor: string; reason: string | null },
  ): Promise<void> {
    await tx.query(
      `UPDATE stewardship_items SET state = $2, decision = $3::jsonb, decided_by = $4, decided_at = now(), reason = $5,
         updated_at = now() WHERE id = $1::uuid`,
      [id, change.state, change.decision ? JSON.stringify(change.decision) : null, change.actor, change.reason],
    );
  }

  /** Replaces a decided item's decision payload (a merge's fix-up task ids are added after planning). */
  async setDecision(tx: Tx, id: string, decision: Decision): Promise<void> {
    await tx.query(
      `UPDATE stewardship_items SET decision = $2::jsonb, updated_at = now() WHERE id = $1::uuid AND state = 'decided'`,
      [id, JSON.stringify(decision)],
    );
  }

  async addEvent(
    tx: Tx,
    itemId: string,
    event: {
      action: string;
      fromState: ItemState | null;
      toState: ItemState;
      actor: string;
      reason?: string | null;
      payload?: unknown;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO stewardship_item_events (item_id, action, from_state, to_state, actor, reason, payload)
       VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb)`,
      [
        itemId,
        event.action,
        event.fromState,
        event.toState,
        event.actor,
        event.reason ?? null,
        event.payload === undefined ? null : JSON.stringify(event.payload),
      ],
    );
  }

  /** In the order they happened (by the bigserial, not by its text alias: '10' sorts before '9'). */
  async events(itemId: string): Promise<ItemEventView[]> {
    const rows: {
      id: string;
      action: string;
      from_state: ItemState | null;
      to_state: ItemState;
      actor: string;
      reason: string | null;
      payload: unknown;
      at: string;
    }[] = await this.dataSource.query(
      `SELECT id::text AS id, action, from_state, to_state, actor, reason, payload, ${ts('at')}
       FROM stewardship_item_events e WHERE item_id = $1::uuid ORDER BY e.id`,
      [itemId],
    );
    return rows.map((r) => ({
      id: r.id,
      action: r.action,
      fromState: r.from_state,
      toState: r.to_state,
      actor: r.actor,
      reason: r.reason,
      payload: r.payload,
      at: r.at,
    }));
  }

  /** One page (`limit` + 1 rows, so the caller knows whether more exist). */
  async find(query: StewardshipListQuery, limit: number): Promise<ItemView[]> {
    const params: unknown[] = [];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    for (const [name, column] of Object.entries(FILTER_COLUMNS)) {
      const value = query.filters[name as keyof typeof FILTER_COLUMNS];
      if (value !== undefined) where.push(`${column} = ${bind(value)}`);
    }
    const sort = SORT_COLUMNS[query.sort.key];
    const direction = query.sort.direction === 'desc' ? 'DESC' : 'ASC';
    if (query.after) {
      const op = direction === 'DESC' ? '<' : '>';
      where.push(
        `(${sort.column}, id) ${op} (${bind(query.after.value)}::${sort.cast}, ${bind(query.after.id)}::uuid)`,
      );
    }
    // Qualified: SELECT names its text columns (to_char() times, id::text) like the table's, and an
    // unqualified ORDER BY would sort by that text (no index: a sort of every match).
    const text = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY stewardship_items.${sort.column} ${direction}, stewardship_items.id ${direction} LIMIT ${bind(limit)}`;
    const rows: ItemRecord[] = await this.dataSource.query(text, params);
    return rows.map(toView);
  }

  /** Open unmatched-identity items whose subject or suggestion is one of these records. */
  async openUnmatchedTouching(tx: Tx, entity: string, records: readonly RecordRef[]): Promise<ItemView[]> {
    const systems = records.map((r) => r.system);
    const keys = records.map((r) => r.entityKey);
    const rows: ItemRecord[] = await tx.query(
      `${SELECT} WHERE kind = 'unmatched_identity' AND state = 'open' AND entity = $1 AND (
         (system, subject_key) IN (SELECT * FROM unnest($2::text[], $3::text[]))
         OR (suggestion->>'system', suggestion->>'entityKey') IN (SELECT * FROM unnest($2::text[], $3::text[])))
       FOR UPDATE`,
      [entity, systems, keys],
    );
    return rows.map(toView);
  }

  async clearSuggestion(tx: Tx, id: string): Promise<void> {
    await tx.query(`UPDATE stewardship_items SET suggestion = NULL, updated_at = now() WHERE id = $1::uuid`, [id]);
  }

  /** Open items created from findings that are no longer active (resolved, retired or suppressed). */
  async openWithInactiveFinding(limit: number): Promise<ItemView[]> {
    const rows: ItemRecord[] = await this.dataSource.query(
      `${SELECT} WHERE state = 'open' AND source_type = 'finding' AND source_id IN (
         SELECT id FROM findings WHERE status IN ('resolved', 'retired', 'suppressed'))
       ORDER BY created_at LIMIT $1`,
      [limit],
    );
    return rows.map(toView);
  }
}

function toView(row: ItemRecord): ItemView {
  return {
    id: row.id,
    kind: row.kind,
    sourceType: row.source_type,
    sourceId: row.source_id,
    ruleId: row.rule_id,
    entity: row.entity,
    system: row.system,
    subjectKey: row.subject_key,
    candidates: row.candidates,
    suggestion: row.suggestion,
    score: row.score,
    details: row.details,
    state: row.state,
    assignee: row.assignee,
    decision: row.decision,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
