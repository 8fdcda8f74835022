import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditEntryView } from './audit-entry';
import type { AuditListQuery } from './audit-query';

interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

// Column names come only from these maps; values only ever travel as $n parameters.
const FILTER_COLUMNS = {
  actor: 'actor',
  action: 'action',
  subjectType: 'subject_type',
  subjectId: 'subject_id',
  requestId: 'request_id',
} as const;
// Qualified with the table alias: the SELECT list has text columns named `id` and `at` that ORDER BY
// would otherwise pick, sorting ids as text.
const SORT_COLUMNS = {
  at: { column: 'a.at', cast: 'timestamptz' },
  actor: { column: 'a.actor', cast: 'text' },
  action: { column: 'a.action', cast: 'text' },
} as const;

// Microseconds in the text so that a cursor resumes exactly where the page ended.
const SELECT = `SELECT a.id::text AS id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
  a.actor, a.action, a.subject_type, a.subject_id, a.before, a.after, a.request_id FROM audit_log a`;

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    entry: {
      actor: string;
      action: string;
      subjectType: string;
      subjectId: string | null;
      before: unknown;
      after: unknown;
      requestId: string | null;
    },
    tx?: EntityManager,
  ): Promise<void> {
    const runner = tx ?? this.dataSource.manager;
    await runner.query(
      `INSERT INTO audit_log (actor, action, subject_type, subject_id, before, after, request_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`,
      [
        entry.actor,
        entry.action,
        entry.subjectType,
        entry.subjectId,
        entry.before === undefined || entry.before === null ? null : JSON.stringify(entry.before),
        entry.after === undefined || entry.after === null ? null : JSON.stringify(entry.after),
        entry.requestId,
      ],
    );
  }

  /** One page (`limit` + 1 rows, so the caller knows whether more exist). */
  async find(query: AuditListQuery, limit: number): Promise<AuditEntryView[]> {
    const params: unknown[] = [];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    for (const [name, column] of Object.entries(FILTER_COLUMNS)) {
      const value = query.filters[name as keyof typeof FILTER_COLUMNS];
      if (value !== undefined) where.push(`a.${column} = ${bind(value)}`);
    }
    if (query.filters.from) where.push(`a.at >= ${bind(query.filters.from)}`);
    if (query.filters.to) where.push(`a.at < ${bind(query.filters.to)}`);
    const sort = SORT_COLUMNS[query.sort.key];
    const direction = query.sort.direction === 'desc' ? 'DESC' : 'ASC';
    if (query.after) {
      const op = direction === 'DESC' ? '<' : '>';
      where.push(
        `(${sort.column}, a.id) ${op} (${bind(query.after.value)}::${sort.cast}, ${bind(query.after.id)}::bigint)`,
      );
    }
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${sort.column} ${direction}, a.id ${direction} LIMIT ${bind(limit)}`;
    const rows: AuditRow[] = await this.dataSource.query(sql, params);
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      before: row.before,
      after: row.after,
      requestId: row.request_id,
    }));
  }
}
