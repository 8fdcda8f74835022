import { Injectable, NotFoundException } from '@nestjs/common';
import { ownerOf, SYSTEM_LOCAL_COLUMNS, type EntityKind, type Ownership } from '@driftwatch/reconciliation-rules';
import { InvalidQueryParameterError, type Page } from '../../http/list-query';
import { ACTIVE_STATUSES, type FindingStatus } from '../findings/finding';
import { RuleCatalogService } from '../reconciliation/rule-catalog.service';
import { CUSTOMER_SEARCH_QUERY, type CustomerSearchQuery } from './customers-query';
import { CustomersRepository } from './customers.repository';
import type {
  Customer360Dto,
  CustomerFindingDto,
  CustomerFixTaskDto,
  CustomerMatchDto,
  EntitySideBySideDto,
} from './customers.dto';
import type { RecordState } from '../stewardship/stewardship-item';

const VERSIONS_PER_RECORD = 30;
const TIMELINE_LIMIT = 300;

/**
 * A timeline entry as the service builds it: which fields each type carries (the API's
 * TimelineEventDto can only say so in descriptions; every member is assignable to it).
 */
export type TimelineEvent =
  | { at: string; type: 'snapshot'; system: string; entityKey: string; snapshotId: string }
  | {
      at: string;
      type: 'change';
      system: string;
      entityKey: string;
      snapshotId: string;
      changes: { field: string; from: string; to: string }[];
    }
  | { at: string; type: 'status'; system: string; entity: string; field: string; value: string }
  | {
      at: string;
      type: 'finding_opened' | 'finding_resolved';
      findingId: string;
      ruleId: string;
      field: string;
      system: string;
      severity: string;
    }
  | { at: string; type: 'fixup'; taskId: string; findingId: string; system: string; state: string };

/** Customer 360: search across systems, and one customer's records side by side with findings and history. */
@Injectable()
export class CustomersService {
  constructor(
    private readonly repository: CustomersRepository,
    private readonly rules: RuleCatalogService,
  ) {}

  async search(query: CustomerSearchQuery): Promise<Page<CustomerMatchDto>> {
    const text = query.filters.q;
    if (text === undefined) throw new InvalidQueryParameterError('q', 'is required');
    if (text.trim().length < 2) throw new InvalidQueryParameterError('q', 'must be at least 2 characters');
    const rows = await this.repository.search(text.trim(), {
      systems: query.filters.system ? [query.filters.system] : undefined,
      limit: query.limit + 1,
      after: query.after?.value,
      descending: query.sort.direction === 'desc',
    });
    return CUSTOMER_SEARCH_QUERY.page(rows, query, (row) => ({ value: row.customerNumber, id: row.customerNumber }));
  }

  async detail(customerNumber: string): Promise<Customer360Dto> {
    const direct = await this.repository.records('customer', { customerNumber });
    const crosswalk = await this.repository.crosswalk(
      direct.map((r) => ({ system: r.system, entityKey: r.entityKey })),
    );
    // Records a steward linked to this customer although they carry another (or no) customer number.
    const linked = crosswalk.filter((l) => !direct.some((r) => r.system === l.system && r.entityKey === l.entityKey));
    const customers = linked.length
      ? await this.repository.records('customer', { customerNumber, keys: linked })
      : direct;
    if (customers.length === 0) throw new NotFoundException(`no system holds customer ${customerNumber}`);
    const keys = customers.map((r) => ({ system: r.system, entityKey: r.entityKey }));
    // A contact's findings are keyed by its email (the contact match key), not the customer number.
    const contacts = await this.repository.records('contact', { customerNumber }, 100);
    const contactEmails = [...new Set(contacts.map((c) => c.fields.email).filter((email) => email))];
    const [credit, findings, versions, events] = await Promise.all([
      this.repository.records('credit_profile', { customerNumber }),
      this.repository.findings(customerNumber, contactEmails, 500),
      this.repository.versions(keys, VERSIONS_PER_RECORD),
      this.repository.statusEvents(customerNumber, 100),
    ]);
    const fixTasks = await this.repository.fixTasks(findings.map((f) => f.id));
    const { ownership } = this.rules.current();
    return {
      customerNumber,
      customer: sideBySide('customer', customers, ownership),
      creditProfile: sideBySide('credit_profile', credit, ownership),
      contacts,
      crosswalk,
      openFindings: findings.filter((f) => ACTIVE_STATUSES.includes(f.status as FindingStatus)),
      fixTasks,
      timeline: timeline(versions, events, findings, fixTasks),
    };
  }
}

/** The ownership file names field groups (`billing_address`) and `parent`; snapshot columns are flattened. */
function ownerOfColumn(ownership: Ownership, entity: EntityKind, column: string): string {
  const field =
    column === 'parent_key'
      ? 'parent'
      : /^(billing|shipping)_address_/.test(column)
        ? column.replace(/_(line1|line2|city|postal_code|region|country)$/, '')
        : column;
  try {
    return ownerOf(ownership, entity, field);
  } catch {
    return '';
  }
}

function sideBySide(entity: EntityKind, records: RecordState[], ownership: Ownership): EntitySideBySideDto {
  const columns = Object.keys(records[0]?.fields ?? {});
  return {
    entity,
    records,
    fields: columns.map((field) => {
      const values = records.map((r) => r.fields[field] ?? '');
      const systemLocal = SYSTEM_LOCAL_COLUMNS[entity].includes(field);
      return {
        field,
        ownerSystem: ownerOfColumn(ownership, entity, field),
        values,
        differs: !systemLocal && new Set(values).size > 1,
        systemLocal,
      };
    }),
  };
}

function timeline(
  versions: Awaited<ReturnType<CustomersRepository['versions']>>,
  events: Awaited<ReturnType<CustomersRepository['statusEvents']>>,
  findings: CustomerFindingDto[],
  tasks: CustomerFixTaskDto[],
): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  // Versions come newest first per record: compare each with the one captured before it.
  for (let i = 0; i < versions.length; i += 1) {
    const v = versions[i];
    if (!v) continue;
    const previous = versions[i + 1];
    const sameRecord = previous && previous.system === v.system && previous.entityKey === v.entityKey;
    if (sameRecord && previous.fieldHash !== v.fieldHash) {
      const changes = Object.keys(v.fields)
        .filter((f) => v.fields[f] !== previous.fields[f])
        .map((f) => ({ field: f, from: previous.fields[f] ?? '', to: v.fields[f] ?? '' }));
      out.push({
        at: v.capturedAt,
        type: 'change',
        system: v.system,
        entityKey: v.entityKey,
        snapshotId: v.snapshotId,
        changes,
      });
    } else {
      out.push({
        at: v.capturedAt,
        type: 'snapshot',
        system: v.system,
        entityKey: v.entityKey,
        snapshotId: v.snapshotId,
      });
    }
  }
  for (const e of events)
    out.push({ at: e.occurredAt, type: 'status', system: e.system, entity: e.entity, field: e.field, value: e.value });
  for (const f of findings) {
    const base = { findingId: f.id, ruleId: f.ruleId, field: f.field, system: f.actualSystem, severity: f.severity };
    out.push({ at: f.firstSeenAt, type: 'finding_opened', ...base });
    if (f.resolvedAt) out.push({ at: f.resolvedAt, type: 'finding_resolved', ...base });
  }
  for (const t of tasks)
    out.push({
      at: t.updatedAt,
      type: 'fixup',
      taskId: t.id,
      findingId: t.findingId,
      system: t.targetSystem,
      state: t.state,
    });
  return out.sort((a, b) => b.at.localeCompare(a.at)).slice(0, TIMELINE_LIMIT);
}
