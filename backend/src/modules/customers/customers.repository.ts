import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CANONICAL_COLUMNS, type EntityKind } from '@driftwatch/reconciliation-rules';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { ident, join, list, raw, sql, uint, type SqlFragment } from '../../clickhouse/sql';
import type { RecordState } from '../stewardship/stewardship-item';
import type { CrosswalkLinkDto, CustomerFindingDto, CustomerFixTaskDto, CustomerMatchDto } from './customers.dto';

/** A captured version of one record in one snapshot (for the timeline of changes). */
export interface RecordVersion {
  system: string;
  entityKey: string;
  snapshotId: string;
  capturedAt: string;
  fieldHash: string;
  fields: Record<string, string>;
}

export interface StatusEvent {
  system: string;
  entity: string;
  field: string;
  value: string;
  occurredAt: string;
}

/** Entities a customer's 360 view shows, keyed by customer number in every system. */
export const CUSTOMER_ENTITIES = [
  'customer',
  'credit_profile',
  'contact',
  'ticket',
] as const satisfies readonly EntityKind[];

const iso = (seconds: number | string): string => new Date(Number(seconds) * 1000).toISOString();

/** Canonical columns as text: Decimal and UInt8 through toString so values compare and print alike. */
function fieldColumns(entity: EntityKind): SqlFragment {
  return join(
    CANONICAL_COLUMNS[entity].map((c) =>
      c.type === 'string'
        ? ident(c.name)
        : c.type === 'datetime'
          ? sql`toString(${ident(c.name)}, 'UTC') AS ${ident(c.name)}`
          : sql`toString(${ident(c.name)}) AS ${ident(c.name)}`,
    ),
  );
}

type Row = Record<string, string | number>;

function toRecord(entity: EntityKind, row: Row): RecordState {
  return {
    system: String(row.system),
    entityKey: String(row.entity_key),
    snapshotId: String(row.snapshot_id),
    capturedAt: iso(row.captured_s ?? 0),
    sourceUpdatedAt: iso(row.updated_s ?? 0),
    fields: Object.fromEntries(CANONICAL_COLUMNS[entity].map((c) => [c.name, String(row[c.name] ?? '')])),
  };
}

/** `(system = … AND entity_key = …) OR …` for a few records (optionally using the key hash of snapshot tables). */
function anyOfKeys(keys: readonly { system: string; entityKey: string }[], hashed = false): SqlFragment {
  return join(
    keys.map((k) =>
      hashed
        ? sql`(system = ${k.system} AND key_hash = cityHash64(${k.entityKey}) AND entity_key = ${k.entityKey})`
        : sql`(system = ${k.system} AND entity_key = ${k.entityKey})`,
    ),
    ' OR ',
  );
}

// LIKE patterns: the search text is a literal, so its own wildcards are escaped first.
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Customer 360 reads: ClickHouse current state, snapshots, events and crosswalk; Postgres findings
 * and (when the fix-ups module's table exists) fix-up tasks.
 */
@Injectable()
export class CustomersRepository {
  private fixTasksKnown: { at: number; exists: boolean } | undefined;

  constructor(
    private readonly clickhouse: ClickHouseService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Customers whose number starts with the text, whose legal name contains it (any case), or whose
   * email (or a contact's) equals it; one row per customer number, ordered by it, after `after`.
   */
  async search(
    text: string,
    options: { systems?: readonly string[]; limit: number; after?: string; descending?: boolean },
  ): Promise<CustomerMatchDto[]> {
    const lowered = text.toLowerCase();
    const systems = options.systems ? sql` AND system IN ${list([...options.systems])}` : sql``;
    const after =
      options.after === undefined
        ? sql``
        : options.descending
          ? sql` AND customer_number < ${options.after}`
          : sql` AND customer_number > ${options.after}`;
    const rows = await this.clickhouse.query<{
      customer_number: string;
      systems: string[];
      keys: string[];
      names: string[];
      emails: string[];
      countries: string[];
      statuses: string[];
    }>(
      sql`SELECT customer_number, groupArray(system) AS systems, groupArray(entity_key) AS keys, groupArray(legal_name) AS names,
          groupArray(email) AS emails, groupArray(country) AS countries, groupArray(status) AS statuses
        FROM (
          SELECT system, entity_key, customer_number, legal_name, email, country, status
          FROM current_customer FINAL
          WHERE deleted = 0 AND customer_number != ''${systems}${after}
            AND (startsWith(lowerUTF8(customer_number), ${lowered})
              OR lowerUTF8(legal_name) LIKE ${`%${likeLiteral(lowered)}%`}
              OR lowerUTF8(email) = ${lowered}
              OR customer_number IN (
                SELECT customer_number FROM current_contact FINAL
                WHERE deleted = 0 AND customer_number != '' AND lowerUTF8(email) = ${lowered}))
          ORDER BY system, entity_key
        )
        GROUP BY customer_number ORDER BY customer_number ${raw(options.descending ? 'DESC' : 'ASC')}
        LIMIT ${uint(options.limit)}`,
      { tag: 'customers.search' },
    );
    return rows.map((r) => ({
      customerNumber: r.customer_number,
      records: r.systems.map((system, i) => ({
        system,
        entityKey: r.keys[i] ?? '',
        legalName: r.names[i] ?? '',
        email: r.emails[i] ?? '',
        country: r.countries[i] ?? '',
        status: r.statuses[i] ?? '',
      })),
    }));
  }

  /** Live records of an entity with this customer number, or with these (system, key) pairs. */
  async records(
    entity: EntityKind,
    by: { customerNumber: string; keys?: readonly { system: string; entityKey: string }[] },
    limit = 200,
  ): Promise<RecordState[]> {
    const keyed = by.keys?.length ? sql` OR ${anyOfKeys(by.keys)}` : sql``;
    const rows = await this.clickhouse.query<Row>(
      sql`SELECT system, entity_key, snapshot_id, toUInt32(captured_at) AS captured_s, toUInt32(source_updated_at) AS updated_s,
          ${fieldColumns(entity)}
        FROM ${ident(`current_${entity}`)} FINAL
        WHERE deleted = 0 AND (customer_number = ${by.customerNumber}${keyed})
        ORDER BY system, entity_key LIMIT ${uint(limit)}`,
      { tag: `customers.records.${entity}` },
    );
    return rows.map((row) => toRecord(entity, row));
  }

  /** Crosswalk links of these customer records, and every other record sharing their global ids. */
  async crosswalk(keys: readonly { system: string; entityKey: string }[]): Promise<CrosswalkLinkDto[]> {
    if (keys.length === 0) return [];
    const rows = await this.clickhouse.query<{
      system: string;
      entity_key: string;
      global_id: string;
      link_id: string;
      linked_s: number;
    }>(
      sql`SELECT system, entity_key, global_id, link_id, toUInt32(linked_at) AS linked_s
        FROM crosswalk FINAL
        WHERE entity = 'customer' AND deleted = 0 AND global_id IN (
          SELECT global_id FROM crosswalk FINAL
          WHERE entity = 'customer' AND deleted = 0 AND (${anyOfKeys(keys)}))
        ORDER BY global_id, system, entity_key`,
      { tag: 'customers.crosswalk' },
    );
    return rows.map((r) => ({
      system: r.system,
      entityKey: r.entity_key,
      globalId: r.global_id,
      linkId: r.link_id,
      linkedAt: iso(r.linked_s),
    }));
  }

  /** The last captured versions of these customer records, newest first (at most `perRecord` each). */
  async versions(keys: readonly { system: string; entityKey: string }[], perRecord: number): Promise<RecordVersion[]> {
    if (keys.length === 0) return [];
    const versions = await this.clickhouse.query<Row & { field_hash: string }>(
      sql`SELECT system, entity_key, snapshot_id, toUInt32(captured_at) AS captured_s, toString(field_hash) AS field_hash,
          ${fieldColumns('customer')}
        FROM snapshot_customer
        WHERE ${anyOfKeys(keys, true)}
        ORDER BY system, entity_key, captured_at DESC, snapshot_id
        LIMIT ${uint(perRecord)} BY system, entity_key`,
      { tag: 'customers.versions' },
    );
    return versions.map((row) => ({
      system: String(row.system),
      entityKey: String(row.entity_key),
      snapshotId: String(row.snapshot_id),
      capturedAt: iso(row.captured_s ?? 0),
      fieldHash: row.field_hash,
      fields: Object.fromEntries(CANONICAL_COLUMNS.customer.map((c) => [c.name, String(row[c.name] ?? '')])),
    }));
  }

  /** Status transitions recorded for this customer number (entity_events). */
  async statusEvents(customerNumber: string, limit: number): Promise<StatusEvent[]> {
    const rows = await this.clickhouse.query<{
      system: string;
      entity: string;
      field: string;
      value: string;
      occurred_s: number;
    }>(
      sql`SELECT system, entity, field, value, toUInt32(occurred_at) AS occurred_s FROM entity_events
        WHERE match_key = ${customerNumber} AND entity IN ${list([...CUSTOMER_ENTITIES])}
        ORDER BY occurred_at DESC LIMIT ${uint(limit)}`,
      { tag: 'customers.events' },
    );
    return rows.map((r) => ({
      system: r.system,
      entity: r.entity,
      field: r.field,
      value: r.value,
      occurredAt: iso(r.occurred_s),
    }));
  }

  /**
   * Findings about this customer number (customer, credit profile and ticket rules) and about its
   * contacts (keyed by their emails), newest first.
   */
  async findings(
    customerNumber: string,
    contactEmails: readonly string[],
    limit: number,
  ): Promise<CustomerFindingDto[]> {
    const ts = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${c}`;
    const rows: Record<string, string | null>[] = await this.dataSource.query(
      `SELECT id, rule_id, entity, match_key, field, kind, severity, status, owner_system, expected_value, actual_system,
         actual_value, ${ts('first_seen_at')}, ${ts('last_seen_at')}, ${ts('resolved_at')}
       FROM findings
       WHERE (entity = ANY($1::text[]) AND match_key = $2) OR (entity = 'contact' AND match_key = ANY($3::text[]))
       ORDER BY findings.last_seen_at DESC, findings.id LIMIT $4`,
      [['customer', 'credit_profile', 'ticket'], customerNumber, contactEmails, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      ruleId: String(r.rule_id),
      entity: String(r.entity),
      matchKey: String(r.match_key),
      field: String(r.field),
      kind: String(r.kind),
      severity: String(r.severity),
      status: String(r.status),
      ownerSystem: String(r.owner_system),
      expectedValue: String(r.expected_value),
      actualSystem: String(r.actual_system),
      actualValue: String(r.actual_value),
      firstSeenAt: String(r.first_seen_at),
      lastSeenAt: String(r.last_seen_at),
      resolvedAt: r.resolved_at,
    }));
  }

  /** Fix-up tasks of these findings; empty while the fix-ups module's table does not exist. */
  async fixTasks(findingIds: readonly string[]): Promise<CustomerFixTaskDto[]> {
    if (findingIds.length === 0 || !(await this.fixTasksExist())) return [];
    const ts = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${c}`;
    const rows: Record<string, string>[] = await this.dataSource.query(
      `SELECT id::text AS id, finding_id, target_system, state, ${ts('created_at')}, ${ts('updated_at')}
       FROM fix_tasks WHERE finding_id = ANY($1::text[]) ORDER BY fix_tasks.updated_at DESC LIMIT 200`,
      [[...findingIds]],
    );
    return rows.map((r) => ({
      id: String(r.id),
      findingId: String(r.finding_id),
      targetSystem: String(r.target_system),
      state: String(r.state),
      createdAt: String(r.created_at),
      updatedAt: String(r.updated_at),
    }));
  }

  private async fixTasksExist(): Promise<boolean> {
    const now = Date.now();
    if (this.fixTasksKnown && now - this.fixTasksKnown.at < 60_000) return this.fixTasksKnown.exists;
    const rows: { exists: boolean }[] = await this.dataSource.query(
      `SELECT to_regclass('fix_tasks') IS NOT NULL AS exists`,
    );
    this.fixTasksKnown = { at: now, exists: rows[0]?.exists === true };
    return this.fixTasksKnown.exists;
  }
}
