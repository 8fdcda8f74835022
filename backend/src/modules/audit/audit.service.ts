import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Page } from '../../http/list-query';
import { currentRequest, currentRequestId } from '../../http/request-context';
import { SecretRedactor } from '../../http/secret-redaction';
import type { AuditEntryInput, AuditEntryView } from './audit-entry';
import { AUDIT_LIST_QUERY, type AuditListQuery } from './audit-query';
import { AuditRepository } from './audit.repository';

const EXPORT_PAGE = 1000;
export const EXPORT_MAX_ROWS = 100_000;

/**
 * The audit log: who changed what, when, from what to what. Services call `record` inside the
 * transaction of the change (pass its manager) so that a change and its audit entry commit together;
 * mutations that record nothing themselves are recorded by AuditInterceptor.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly redactor: SecretRedactor,
  ) {}

  async record(entry: AuditEntryInput, tx?: EntityManager): Promise<void> {
    const req = currentRequest();
    await this.audit.insert(
      {
        actor: entry.actor ?? req?.principal?.actor ?? 'anonymous',
        action: entry.action,
        subjectType: entry.subjectType,
        subjectId: entry.subjectId ?? null,
        before: this.redactor.value(entry.before ?? null),
        after: this.redactor.value(entry.after ?? null),
        requestId: currentRequestId(req) ?? null,
      },
      tx,
    );
    if (req) req.auditRecorded = true;
  }

  async list(query: AuditListQuery): Promise<Page<AuditEntryView>> {
    const rows = await this.audit.find(query, query.limit + 1);
    return AUDIT_LIST_QUERY.page(rows, query, (row) => ({ value: sortValue(row, query), id: row.id }));
  }

  /** Every matching entry (up to EXPORT_MAX_ROWS), page by page so memory stays flat. */
  async *exportRows(query: AuditListQuery): AsyncGenerator<AuditEntryView> {
    let after = query.after;
    let sent = 0;
    while (sent < EXPORT_MAX_ROWS) {
      const rows = await this.audit.find({ ...query, after }, Math.min(EXPORT_PAGE, EXPORT_MAX_ROWS - sent));
      for (const row of rows) yield row;
      sent += rows.length;
      const last = rows[rows.length - 1];
      if (!last || rows.length < EXPORT_PAGE) return;
      after = { value: sortValue(last, query), id: last.id };
    }
  }
}

function sortValue(row: AuditEntryView, query: AuditListQuery): string {
  switch (query.sort.key) {
    case 'at':
      return row.at;
    case 'actor':
      return row.actor;
    case 'action':
      return row.action;
  }
}
