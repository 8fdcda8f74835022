import { Injectable, NotFoundException } from '@nestjs/common';
import type { Page } from '../../http/list-query';
import type { FindingView } from './finding';
import { FINDINGS_LIST_QUERY, type FindingsListQuery } from './findings-query';
import { FindingsRepository } from './findings.repository';

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

/** Read side of findings for the API: list, detail with values side by side, CSV export. */
@Injectable()
export class FindingsService {
  constructor(private readonly findings: FindingsRepository) {}

  async list(query: FindingsListQuery): Promise<Page<FindingView>> {
    const rows = await this.findings.find(query, query.limit + 1);
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
  async *exportRows(query: FindingsListQuery): AsyncGenerator<FindingView> {
    let current: FindingsListQuery = { ...query, limit: EXPORT_PAGE };
    let sent = 0;
    for (;;) {
      const rows = await this.findings.find(current, EXPORT_PAGE);
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
