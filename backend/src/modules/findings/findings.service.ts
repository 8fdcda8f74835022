import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { Page } from '../../http/list-query';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { ASSIGNEE_MAX_LENGTH, ASSIGNEE_ME, UNASSIGNED, type FindingView } from './finding';
import type { AssignFindingsOutcome } from './findings.dto';
import { FINDINGS_LIST_QUERY, type FindingsListQuery } from './findings-query';
import { FindingsRepository, type AssigneeFilter } from './findings.repository';

export const EXPORT_MAX_ROWS = 100_000;
const EXPORT_PAGE = 1000;

export interface FindingDetail {
  finding: FindingView;
  /** The owner's value and each system's actual value for the same rule, record and field. */
  sideBySide: {
    ownerSystem: string;
    expectedValue: string;
    systems: { system: string; value: string; status: FindingView['status']; findingId: string }[];
  };
}

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
    if (outcome.unknown.length) {
      const shown = outcome.unknown.slice(0, 10).join(', ');
      const more = outcome.unknown.length > 10 ? ` and ${outcome.unknown.length - 10} more` : '';
      throw new NotFoundException({
        message: `unknown finding id(s): ${shown}${more}; nothing was assigned`,
        field: 'ids',
      });
    }
    return { assignee, changed: outcome.changed.map((c) => c.id), unchanged: outcome.unchanged };
  }
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
