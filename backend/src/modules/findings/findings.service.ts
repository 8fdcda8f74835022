import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Page } from '../../http/list-query';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { ASSIGNEE_MAX_LENGTH, ASSIGNEE_ME, SUPPRESSION_REASON_MAX_LENGTH, SYSTEM_ACTOR, UNASSIGNED } from './finding';
import type {
  AssignFindingsOutcome,
  FindingDetail,
  FindingView,
  SuppressFindingsOutcome,
  UnsuppressFindingsOutcome,
} from './findings.dto';
import { FINDINGS_LIST_QUERY, type FindingsListQuery } from './findings-query';
import {
  FindingsRepository,
  type AssigneeFilter,
  type SuppressionOutcome,
  type SuppressionState,
} from './findings.repository';

export const EXPORT_MAX_ROWS = 100_000;
const EXPORT_PAGE = 1000;

/** Findings for the API: list, detail with values side by side, CSV export, assignment. */
@Injectable()
export class FindingsService {
  constructor(
    private readonly findings: FindingsRepository,
    private readonly audit: AuditService,
  ) {}

  /** `caller` resolves `assignee=me`; without a caller `me` matches nothing (no finding is assigned to `me`). */
  async list(query: FindingsListQuery, caller?: Principal): Promise<Page<FindingView>> {
    const rows = await this.findings.find(query, query.limit + 1, assigneeFilter(query, caller));
    return FINDINGS_LIST_QUERY.page(rows, query, (row) => ({ value: sortValue(row, query), id: row.id }));
  }

  async detail(id: string): Promise<FindingDetail> {
    const finding = await this.findings.findById(id);
    if (!finding) throw new NotFoundException(`finding ${id} not found`);
    const siblings = await this.findings.siblings(finding);
    return {
      finding,
      sideBySide: {
        ownerSystem: finding.ownerSystem,
        expectedValue: finding.expectedValue,
        systems: siblings.map((s) => ({
          system: s.actualSystem,
          value: s.actualValue,
          status: s.status,
          findingId: s.id,
        })),
      },
    };
  }

  /** Every matching finding, page by page, up to EXPORT_MAX_ROWS. */
  async *exportRows(query: FindingsListQuery, caller?: Principal): AsyncGenerator<FindingView> {
    const assignee = assigneeFilter(query, caller);
    let current: FindingsListQuery = { ...query, limit: EXPORT_PAGE };
    let sent = 0;
    for (;;) {
      const rows = await this.findings.find(current, EXPORT_PAGE, assignee);
      for (const row of rows) {
        if (sent >= EXPORT_MAX_ROWS) return;
        sent += 1;
        yield row;
      }
      const last = rows[rows.length - 1];
      if (rows.length < EXPORT_PAGE || !last) return;
      current = { ...current, after: { value: sortValue(last, query), id: last.id } };
    }
  }

  /**
   * Sets who works on the findings (`me`: the caller's name; null: nobody). All or nothing: an unknown
   * id is a 404 naming it and changes nothing. Each finding whose assignee changed gets an audit entry
   * (its history in the dashboard), written in the same transaction.
   */
  async assign(ids: readonly string[], requested: string | null, caller: Principal): Promise<AssignFindingsOutcome> {
    const assignee = resolveAssignee(requested, caller);
    const unique = [...new Set(ids)];
    const outcome = await this.findings.assign(unique, assignee, new Date(), async (changes, tx) => {
      for (const change of changes) {
        await this.audit.record(
          {
            action: assignee === null ? 'finding.unassign' : 'finding.assign',
            subjectType: 'finding',
            subjectId: change.id,
            before: { assignee: change.before },
            after: { assignee },
            actor: caller.actor,
          },
          tx,
        );
      }
    });
    if (outcome.unknown.length) throw unknownIds(outcome.unknown, 'assigned');
    return { assignee, changed: outcome.changed.map((c) => c.id), unchanged: outcome.unchanged };
  }

  /**
   * Accepts the findings' difference as a known exception: active findings become `suppressed` (out of
   * the open counts, alerts, fix-ups and stewardship) until `until` or until someone unsuppresses them;
   * already suppressed ones take the new reason and end. All or nothing: an unknown id is a 404, a
   * resolved or retired finding (nothing to suppress) a 409, each naming the ids, and nothing changes.
   * Each finding changed gets an audit entry in the same transaction.
   */
  async suppress(
    ids: readonly string[],
    requestedReason: string,
    requestedUntil: string | undefined,
    caller: Principal,
    now = new Date(),
  ): Promise<SuppressFindingsOutcome> {
    const reason = requestedReason.trim();
    if (reason.length === 0 || reason.length > SUPPRESSION_REASON_MAX_LENGTH) {
      throw new BadRequestException({
        message: `reason must be 1 to ${SUPPRESSION_REASON_MAX_LENGTH} characters besides spaces`,
        field: 'reason',
      });
    }
    const until = requestedUntil === undefined ? null : new Date(requestedUntil);
    if (until !== null && until <= now) {
      throw new BadRequestException({ message: 'until must be in the future', field: 'until' });
    }
    const suppression = { by: caller.name, reason, until };
    const outcome = await this.findings.suppress([...new Set(ids)], suppression, now, async (changes, tx) => {
      for (const change of changes) {
        await this.recordSuppression('finding.suppress', change, caller.actor, tx, {
          status: 'suppressed',
          suppressedBy: suppression.by,
          suppressedReason: reason,
          suppressedUntil: until?.toISOString() ?? null,
        });
      }
    });
    refuseUnlessApplied(outcome, 'suppressed', 'only new, open or reopened findings can be suppressed');
    const changed = outcome.changed;
    return {
      suppressed: changed.filter((c) => c.status !== 'suppressed').map((c) => c.id),
      updated: changed.filter((c) => c.status === 'suppressed').map((c) => c.id),
      unchanged: outcome.unchanged,
    };
  }

  /**
   * Lifts the suppression of the findings: they are `open` again, and the next run that no longer sees
   * one resolves it. All or nothing as suppress: an unknown id is a 404, a finding that is not
   * suppressed a 409.
   */
  async unsuppress(ids: readonly string[], caller: Principal): Promise<UnsuppressFindingsOutcome> {
    const outcome = await this.findings.unsuppress([...new Set(ids)], async (changes, tx) => {
      for (const change of changes) {
        await this.recordSuppression('finding.unsuppress', change, caller.actor, tx, { status: 'open' });
      }
    });
    refuseUnlessApplied(outcome, 'unsuppressed', 'only suppressed findings can be unsuppressed');
    return { unsuppressed: outcome.changed.map((c) => c.id) };
  }

  /**
   * Lifts the suppressions whose end has passed (a reconciliation run calls this before it resolves
   * what it no longer sees, so a lifted finding the run did not see is resolved by the same run),
   * recorded in the audit log as the system's doing.
   */
  async liftExpiredSuppressions(at = new Date()): Promise<string[]> {
    const lifted = await this.findings.liftExpiredSuppressions(at, async (changes, tx) => {
      for (const change of changes) {
        await this.recordSuppression('finding.unsuppress', change, SYSTEM_ACTOR, tx, {
          status: 'open',
          expired: true,
        });
      }
    });
    return lifted.map((l) => l.id);
  }

  private recordSuppression(
    action: string,
    before: SuppressionState,
    actor: string,
    tx: EntityManager,
    after: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record(
      {
        action,
        subjectType: 'finding',
        subjectId: before.id,
        before: {
          status: before.status,
          suppressedBy: before.by,
          suppressedReason: before.reason,
          suppressedUntil: before.until,
        },
        after,
        actor,
      },
      tx,
    );
  }
}

/** An all-or-nothing bulk action that refused: 404 for unknown ids, 409 for findings in the wrong status. */
function refuseUnlessApplied(outcome: SuppressionOutcome, verb: string, rule: string): void {
  if (outcome.unknown.length) throw unknownIds(outcome.unknown, verb);
  if (outcome.refused.length) {
    const named = outcome.refused.map((r) => `${r.id} (${r.status})`);
    throw new ConflictException({ message: `${rule}: ${listed(named)}; nothing was ${verb}`, field: 'ids' });
  }
}

function unknownIds(ids: readonly string[], verb: string): NotFoundException {
  return new NotFoundException({ message: `unknown finding id(s): ${listed(ids)}; nothing was ${verb}`, field: 'ids' });
}

/** The first ten, and how many more: a 1,000-id request must not echo them all. */
function listed(items: readonly string[]): string {
  const more = items.length > 10 ? ` and ${items.length - 10} more` : '';
  return `${items.slice(0, 10).join(', ')}${more}`;
}

/** `me` is the caller's name; `unassigned` is reserved for the filter so it never names a person. */
function resolveAssignee(requested: string | null, caller: Principal): string | null {
  if (requested === null) return null;
  const name = requested.trim() === ASSIGNEE_ME ? caller.name : requested.trim();
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > ASSIGNEE_MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new BadRequestException({
      message: `assignee must be 1 to ${ASSIGNEE_MAX_LENGTH} characters without control characters`,
      field: 'assignee',
    });
  }
  if (name.toLowerCase() === UNASSIGNED) {
    throw new BadRequestException({
      message: `assignee '${UNASSIGNED}' is reserved (it filters findings without an assignee); send null to unassign`,
      field: 'assignee',
    });
  }
  return name;
}

function assigneeFilter(query: FindingsListQuery, caller?: Principal): AssigneeFilter | undefined {
  const value = query.filters.assignee;
  if (value === undefined) return undefined;
  if (value === UNASSIGNED) return { unassigned: true };
  if (value === ASSIGNEE_ME) return { name: caller?.name ?? ASSIGNEE_ME };
  return { name: value };
}

function sortValue(row: FindingView, query: FindingsListQuery): string {
  switch (query.sort.key) {
    case 'statusChangedAt':
      return row.statusChangedAt;
    case 'lastSeenAt':
      return row.lastSeenAt;
    case 'firstSeenAt':
      return row.firstSeenAt;
    case 'occurrences':
      return String(row.occurrences);
    case 'matchKey':
      return row.matchKey;
  }
}
