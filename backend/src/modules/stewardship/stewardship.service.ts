import { Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  DEFAULT_MATCH_FIELD,
  DEFAULT_OWNERSHIP_FILE,
  ENTITY_KINDS,
  loadOwnership,
  type EntityKind,
} from '@driftwatch/reconciliation-rules';
import { randomUUID } from 'node:crypto';
import { ConfigService } from '../../config/config.service';
import type { Page } from '../../http/list-query';
import { AuditService } from '../audit/audit.service';
import { MergeFixupPlanner } from '../fixups/merge-fixup-planner';
import { IdentityLinksRepository } from './identity-links.repository';
import { survivorChanges, validateMerge, type ValidMerge } from './merge-decision';
import { StewardshipFindingsRepository, type StewardshipFinding } from './stewardship-findings.repository';
import { itemOfFinding } from './stewardship-intake.service';
import type { Decision, ItemView, OpenItemInput, RecordRef } from './stewardship-item';
import { StewardshipItemsRepository, type Tx } from './stewardship-items.repository';
import { STEWARDSHIP_LIST_QUERY, type StewardshipListQuery } from './stewardship-query';
import { StewardshipRecordsRepository } from './stewardship-records.repository';
import type { ItemDetail } from './stewardship.dto';
import { InvalidDecisionError, ItemNotOpenError } from './stewardship.errors';

export interface DecisionRequest {
  action: 'merge' | 'confirm_link' | 'reject_link';
  survivor?: unknown;
  fields?: unknown;
  counterpart?: RecordRef;
  reason?: string;
}

const entityOf = (item: ItemView): EntityKind => {
  if (!(ENTITY_KINDS as readonly string[]).includes(item.entity)) {
    throw new InvalidDecisionError('id', `item ${item.id} is about an unknown entity ${item.entity}`);
  }
  return item.entity as EntityKind;
};

/**
 * The stewardship queue: decisions about records that only a person can make (duplicates to merge,
 * identities to link, fix-ups the target refused). Other modules raise items with `open`. Every
 * decision locks the item's row, so of two concurrent decisions exactly one takes effect.
 */
@Injectable()
export class StewardshipService {
  constructor(
    private readonly items: StewardshipItemsRepository,
    private readonly records: StewardshipRecordsRepository,
    private readonly links: IdentityLinksRepository,
    private readonly audit: AuditService,
    private readonly config: ConfigService,
    private readonly findings: StewardshipFindingsRepository,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Raises an item, idempotently: the same source (type, id) always maps to the same item, and an
   * existing item is returned as it is. An item for a duplicate or presence finding takes its shape
   * from the finding itself (whoever opens it), so the intake after each run and the fix-up planner
   * raise the same item; the intake adds the link suggestion.
   */
  async open(input: OpenItemInput, actor = 'system'): Promise<{ item: ItemView; created: boolean }> {
    const finding = input.sourceType === 'finding' ? await this.findings.byId(input.sourceId) : null;
    const fromFinding = finding ? itemOfFinding(finding) : null;
    return this.items.upsert(fromFinding ?? input, actor, { refresh: false });
  }

  async list(query: StewardshipListQuery): Promise<Page<ItemView>> {
    const rows = await this.items.find(query, query.limit + 1);
    return STEWARDSHIP_LIST_QUERY.page(rows, query, (row) => ({ value: sortValue(row, query), id: row.id }));
  }

  async detail(id: string): Promise<ItemDetail> {
    const item = await this.get(id);
    const refs = referencedRecords(item);
    const isEntity = (ENTITY_KINDS as readonly string[]).includes(item.entity);
    const [records, links, events] = await Promise.all([
      isEntity ? this.records.records(item.entity as EntityKind, refs) : Promise.resolve([]),
      this.links.involving(item.entity, refs),
      this.items.events(id),
    ]);
    const found = new Set(records.map((r) => `${r.system}\u0000${r.entityKey}`));
    const missingRecords = refs.filter((r) => !found.has(`${r.system}\u0000${r.entityKey}`));
    return { item, records, missingRecords, links, events };
  }

  async assign(id: string, assignee: string | null, actor: string): Promise<ItemView> {
    return this.items.transaction(async (tx) => {
      const before = await this.lockOpen(tx, id);
      await this.items.setAssignee(tx, id, assignee);
      await this.items.addEvent(tx, id, {
        action: 'assign',
        fromState: 'open',
        toState: 'open',
        actor,
        payload: { from: before.assignee, to: assignee },
      });
      const after = await this.mustFind(id, tx);
      await this.audit.record(
        { action: 'stewardship.assign', subjectType: 'stewardship_item', subjectId: id, before, after },
        tx,
      );
      return after;
    });
  }

  async dismiss(id: string, reason: string, actor: string): Promise<ItemView> {
    return this.items.transaction(async (tx) => {
      const before = await this.lockOpen(tx, id);
      await this.items.close(tx, id, { state: 'dismissed', decision: null, actor, reason });
      await this.items.addEvent(tx, id, { action: 'dismiss', fromState: 'open', toState: 'dismissed', actor, reason });
      const after = await this.mustFind(id, tx);
      await this.audit.record(
        { action: 'stewardship.dismiss', subjectType: 'stewardship_item', subjectId: id, before, after },
        tx,
      );
      return after;
    });
  }

  async decide(id: string, request: DecisionRequest, actor: string): Promise<ItemView> {
    // Validate against the item and the records before taking the lock; re-checked under it.
    const item = await this.get(id);
    const entity = entityOf(item);
    switch (request.action) {
      case 'merge':
        return this.merge(item, entity, request, actor);
      case 'confirm_link':
      case 'reject_link':
        return this.link(item, entity, request, actor);
    }
  }

  /**
   * Records the merge, then has the fix-up module turn it into tasks: the survivor's field writes and
   * one task per losing duplicate. The same decision sent again (a retry whose answer was lost, or a
   * crash between recording and planning) plans only what is missing; a different one gets 409.
   */
  private async merge(item: ItemView, entity: EntityKind, request: DecisionRequest, actor: string): Promise<ItemView> {
    if (item.kind !== 'duplicate') {
      throw new InvalidDecisionError('action', `merge applies to duplicate items, not ${item.kind}`);
    }
    const merge = validateMerge(entity, item.candidates, request);
    const planner = this.mergePlanner();
    if (item.state !== 'open') return this.mergeAgain(item, merge, planner, actor);
    const finding = await this.findingOf(item);
    const records = await this.records.records(entity, item.candidates);
    const changes = survivorChanges(merge, records);
    // A losing record no longer in any snapshot is gone already: nothing to retire.
    const duplicates = records
      .filter((r) => r.entityKey !== merge.survivor)
      .map((r) => ({ entityKey: r.entityKey, status: r.fields.status ?? '' }));
    const decision: Decision = { action: 'merge', survivor: merge.survivor, fields: merge.fields, changes, duplicates };
    let decided: ItemView;
    try {
      decided = await this.close(item.id, decision, request.reason ?? null, actor, 'merge');
    } catch (error) {
      if (error instanceof ItemNotOpenError) return this.mergeAgain(await this.get(item.id), merge, planner, actor);
      throw error;
    }
    return this.planMerge(decided, entity, finding, planner, actor);
  }

  private async mergeAgain(
    item: ItemView,
    merge: ValidMerge,
    planner: MergeFixupPlanner,
    actor: string,
  ): Promise<ItemView> {
    const d = item.decision;
    const same =
      item.state === 'decided' &&
      d?.action === 'merge' &&
      d.survivor === merge.survivor &&
      JSON.stringify(Object.entries(d.fields).sort()) === JSON.stringify(Object.entries(merge.fields).sort());
    if (!same) throw new ItemNotOpenError(item.id, item.state);
    return this.planMerge(item, entityOf(item), await this.findingOf(item), planner, actor);
  }

  /** Plans the decided merge's tasks (idempotent) and records their ids in the decision. */
  private async planMerge(
    item: ItemView,
    entity: EntityKind,
    finding: StewardshipFinding,
    planner: MergeFixupPlanner,
    actor: string,
  ): Promise<ItemView> {
    const decision = item.decision;
    if (decision?.action !== 'merge') throw new Error(`stewardship item ${item.id} has no merge decision`);
    const outcome = await planner.plan({
      itemId: item.id,
      findingId: finding.id,
      runId: finding.lastRunId,
      ruleId: finding.ruleId,
      entity,
      system: item.system,
      matchKey: finding.matchKey,
      survivor: decision.survivor,
      changes: decision.changes,
      duplicates: decision.duplicates ?? [],
      actor,
    });
    const ids = outcome.tasks.map((t) => t.id);
    if (JSON.stringify(decision.fixupTaskIds ?? []) === JSON.stringify(ids)) return item;
    return this.items.transaction(async (tx) => {
      await this.items.setDecision(tx, item.id, { ...decision, fixupTaskIds: ids });
      await this.items.addEvent(tx, item.id, {
        action: 'fixups_planned',
        fromState: 'decided',
        toState: 'decided',
        actor,
        payload: { fixupTaskIds: ids, created: outcome.created, queued: outcome.queued },
      });
      return this.mustFind(item.id, tx);
    });
  }

  /** Fix-up tasks belong to a finding: a merge needs the duplicate finding the item came from. */
  private async findingOf(item: ItemView): Promise<StewardshipFinding> {
    const finding = item.sourceType === 'finding' ? await this.findings.byId(item.sourceId) : null;
    if (!finding) {
      throw new InvalidDecisionError(
        'action',
        `merge needs the duplicate finding behind the item (this one's source is ${item.sourceType} ${item.sourceId})`,
      );
    }
    return finding;
  }

  private mergePlanner(): MergeFixupPlanner {
    try {
      return this.moduleRef.get(MergeFixupPlanner, { strict: false });
    } catch {
      throw new ServiceUnavailableException(
        'the fix-up module is not loaded in this process: merges make fix-up tasks',
      );
    }
  }

  private async link(item: ItemView, entity: EntityKind, request: DecisionRequest, actor: string): Promise<ItemView> {
    if (item.kind !== 'unmatched_identity') {
      throw new InvalidDecisionError(
        'action',
        `${request.action} applies to unmatched_identity items, not ${item.kind}`,
      );
    }
    const subject: RecordRef = { system: item.system, entityKey: item.subjectKey };
    const counterpart = request.counterpart ?? (item.suggestion ? pick(item.suggestion) : undefined);
    if (!counterpart) {
      throw new InvalidDecisionError('counterpart', 'the item has no suggested link: name the counterpart record');
    }
    if (counterpart.system === subject.system) {
      throw new InvalidDecisionError('counterpart.system', `must be another system than ${subject.system}`);
    }
    if (request.action === 'reject_link') {
      const decision: Decision = { action: 'reject_link', link: { a: subject, b: counterpart } };
      return this.close(item.id, decision, request.reason ?? null, actor, 'reject_link', async (tx) => {
        await this.links.save(tx, {
          entity,
          x: subject,
          y: counterpart,
          status: 'rejected',
          globalId: '',
          itemId: item.id,
          actor,
        });
        // Items elsewhere suggesting the same pair lose the suggestion; the next run suggests anew.
        for (const other of await this.items.openUnmatchedTouching(tx, entity, [subject, counterpart])) {
          const s = other.suggestion;
          const samePair =
            s &&
            [subject, counterpart].some((r) => r.system === other.system && r.entityKey === other.subjectKey) &&
            [subject, counterpart].some((r) => r.system === s.system && r.entityKey === s.entityKey);
          if (samePair && other.id !== item.id) await this.items.clearSuggestion(tx, other.id);
        }
      });
    }
    const found = await this.records.records(entity, [subject, counterpart]);
    const state = (r: RecordRef) => found.find((f) => f.system === r.system && f.entityKey === r.entityKey);
    if (!state(counterpart)) {
      throw new InvalidDecisionError(
        'counterpart.entityKey',
        `no ${entity} ${counterpart.entityKey} in ${counterpart.system}`,
      );
    }
    const linkId = randomUUID();
    const owner = loadOwnership(this.config.get('RECONCILIATION_OWNERSHIP_FILE') ?? DEFAULT_OWNERSHIP_FILE).entities[
      entity
    ]?.record;
    const anchor = counterpart.system === owner ? counterpart : subject;
    const anchorKey = state(anchor)?.fields[DEFAULT_MATCH_FIELD[entity]] ?? '';
    const globalId = anchorKey !== '' ? anchorKey : `link:${linkId}`;
    const decision: Decision = { action: 'confirm_link', link: { a: subject, b: counterpart, globalId } };
    return this.close(item.id, decision, request.reason ?? null, actor, 'confirm_link', async (tx) => {
      const existing = await this.links.involving(entity, [subject, counterpart], tx);
      const clash = existing.find(
        (l) =>
          l.status === 'confirmed' &&
          [l.a, l.b].some((r) => sameRecord(r, subject) || sameRecord(r, counterpart)) &&
          !([l.a, l.b].some((r) => sameRecord(r, subject)) && [l.a, l.b].some((r) => sameRecord(r, counterpart))),
      );
      if (clash) {
        throw new InvalidDecisionError(
          'counterpart',
          `already linked: ${clash.a.system}/${clash.a.entityKey} ↔ ${clash.b.system}/${clash.b.entityKey}`,
        );
      }
      await this.links.save(tx, {
        entity,
        x: subject,
        y: counterpart,
        status: 'confirmed',
        globalId,
        itemId: item.id,
        actor,
      });
      // Inside the item's lock: a concurrent decision waits, then finds the item decided and writes nothing.
      await this.records.writeCrosswalk(
        [subject, counterpart].map((r) => ({ entity, ...r, globalId, linkId, deleted: false })),
      );
      // Other open items about either record (the other direction of the same absence) are settled too.
      for (const other of await this.items.openUnmatchedTouching(tx, entity, [subject, counterpart])) {
        if (other.id === item.id) continue;
        const touches = [subject, counterpart].some(
          (r) => r.system === other.system && r.entityKey === other.subjectKey,
        );
        if (!touches) continue;
        const reason = `linked by stewardship item ${item.id}`;
        await this.items.close(tx, other.id, { state: 'decided', decision, actor, reason });
        await this.items.addEvent(tx, other.id, {
          action: 'confirm_link',
          fromState: 'open',
          toState: 'decided',
          actor,
          reason,
          payload: decision,
        });
      }
    });
  }

  /** Locks the item, checks it is open, applies `extra` and records the decision, its event and audit entry. */
  private async close(
    id: string,
    decision: Decision,
    reason: string | null,
    actor: string,
    action: string,
    extra?: (tx: Tx) => Promise<void>,
  ): Promise<ItemView> {
    return this.items.transaction(async (tx) => {
      const before = await this.lockOpen(tx, id);
      if (extra) await extra(tx);
      await this.items.close(tx, id, { state: 'decided', decision, actor, reason });
      await this.items.addEvent(tx, id, {
        action,
        fromState: 'open',
        toState: 'decided',
        actor,
        reason,
        payload: decision,
      });
      const after = await this.mustFind(id, tx);
      await this.audit.record(
        { action: `stewardship.${action}`, subjectType: 'stewardship_item', subjectId: id, before, after },
        tx,
      );
      return after;
    });
  }

  private async get(id: string): Promise<ItemView> {
    const item = await this.items.findById(id);
    if (!item) throw new NotFoundException(`stewardship item ${id} not found`);
    return item;
  }

  private async mustFind(id: string, tx: Tx): Promise<ItemView> {
    const item = await this.items.findById(id, tx);
    if (!item) throw new NotFoundException(`stewardship item ${id} not found`);
    return item;
  }

  private async lockOpen(tx: Tx, id: string): Promise<ItemView> {
    const item = await this.items.lock(tx, id);
    if (!item) throw new NotFoundException(`stewardship item ${id} not found`);
    if (item.state !== 'open') throw new ItemNotOpenError(id, item.state);
    return item;
  }
}

const pick = (r: RecordRef): RecordRef => ({ system: r.system, entityKey: r.entityKey });
const sameRecord = (x: RecordRef, y: RecordRef): boolean => x.system === y.system && x.entityKey === y.entityKey;

function referencedRecords(item: ItemView): RecordRef[] {
  const refs = [...item.candidates.map(pick), ...(item.suggestion ? [pick(item.suggestion)] : [])];
  return [...new Map(refs.map((r) => [`${r.system}\u0000${r.entityKey}`, r])).values()];
}

function sortValue(row: ItemView, query: StewardshipListQuery): string {
  switch (query.sort.key) {
    case 'createdAt':
      return row.createdAt;
    case 'updatedAt':
      return row.updatedAt;
    case 'score':
      return String(row.score);
  }
}
