import { Injectable, Logger } from '@nestjs/common';
import { ENTITY_KINDS, type EntityKind } from '@driftwatch/reconciliation-rules';
import { LinkSuggestionService } from './link-suggestion.service';
import {
  DUPLICATE_KINDS,
  StewardshipFindingsRepository,
  type StewardshipFinding,
} from './stewardship-findings.repository';
import type { OpenItemInput } from './stewardship-item';
import { StewardshipItemsRepository } from './stewardship-items.repository';

const PAGE = 1000;
const CLOSE_BATCH = 500;

export interface IntakeOutcome {
  opened: number;
  refreshed: number;
  closed: number;
}

const isEntity = (e: string): e is EntityKind => (ENTITY_KINDS as readonly string[]).includes(e);

/**
 * Turns a reconciliation run's duplicate and presence findings into stewardship items (one per
 * finding, so running it twice changes nothing), and closes open items whose finding has resolved.
 */
@Injectable()
export class StewardshipIntakeService {
  private readonly logger = new Logger(StewardshipIntakeService.name);

  constructor(
    private readonly findings: StewardshipFindingsRepository,
    private readonly items: StewardshipItemsRepository,
    private readonly suggestions: LinkSuggestionService,
  ) {}

  async fromRun(runId: string): Promise<IntakeOutcome> {
    const outcome: IntakeOutcome = { opened: 0, refreshed: 0, closed: 0 };
    let after = '';
    for (;;) {
      const page = await this.findings.seenByRun(runId, after, PAGE);
      for (const input of await this.itemsOf(page)) {
        const { created } = await this.items.upsert(input, 'system');
        if (created) outcome.opened += 1;
        else outcome.refreshed += 1;
      }
      const last = page[page.length - 1];
      if (!last || page.length < PAGE) break;
      after = last.id;
    }
    outcome.closed = await this.closeResolved(runId);
    this.logger.log(`run ${runId}: ${outcome.opened} stewardship items opened, ${outcome.closed} closed`);
    return outcome;
  }

  private async itemsOf(findings: readonly StewardshipFinding[]): Promise<OpenItemInput[]> {
    const inputs: OpenItemInput[] = [];
    const unmatched = new Map<
      string,
      { entity: EntityKind; from: string; to: string; findings: StewardshipFinding[] }
    >();
    for (const f of findings) {
      if ((DUPLICATE_KINDS as readonly string[]).includes(f.kind)) {
        inputs.push(duplicateItem(f));
        continue;
      }
      const presentIn = text(f.details.present_in);
      const absentFrom = text(f.details.absent_from);
      if (!isEntity(f.entity) || !presentIn || !absentFrom) continue;
      const group = `${f.entity}\u0000${presentIn}\u0000${absentFrom}`;
      const entry = unmatched.get(group) ?? { entity: f.entity, from: presentIn, to: absentFrom, findings: [] };
      entry.findings.push(f);
      unmatched.set(group, entry);
    }
    for (const group of unmatched.values()) {
      const keys = group.findings.map(subjectKeyOf);
      const suggestions = await this.suggestions.suggest(group.entity, group.from, keys, group.to);
      for (const f of group.findings) {
        const subjectKey = subjectKeyOf(f);
        const suggestion = suggestions.get(subjectKey) ?? null;
        inputs.push({
          kind: 'unmatched_identity',
          sourceType: 'finding',
          sourceId: f.id,
          ruleId: f.ruleId,
          entity: f.entity,
          system: group.from,
          subjectKey,
          candidates: [{ system: group.from, entityKey: subjectKey }],
          suggestion,
          score: suggestion?.score ?? 0,
          details: { findingKind: f.kind, matchKey: f.matchKey, absentFrom: group.to },
        });
      }
    }
    return inputs;
  }

  /** Open items whose finding resolved or was suppressed are dismissed: nothing is left to decide. */
  private async closeResolved(runId: string): Promise<number> {
    let closed = 0;
    for (;;) {
      const stale = await this.items.openWithInactiveFinding(CLOSE_BATCH);
      if (stale.length === 0) return closed;
      for (const item of stale) {
        const done = await this.items.transaction(async (tx) => {
          const locked = await this.items.lock(tx, item.id);
          if (locked?.state !== 'open') return false;
          const reason = `finding ${item.sourceId} no longer seen (run ${runId})`;
          await this.items.close(tx, item.id, { state: 'dismissed', decision: null, actor: 'system', reason });
          await this.items.addEvent(tx, item.id, {
            action: 'finding_resolved',
            fromState: 'open',
            toState: 'dismissed',
            actor: 'system',
            reason,
          });
          return true;
        });
        if (done) closed += 1;
      }
      if (stale.length < CLOSE_BATCH) return closed;
    }
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The key of the record that exists: the owner's record for `missing`, the other system's for `unexpected`. */
const subjectKeyOf = (f: StewardshipFinding): string => (f.kind === 'missing' ? f.expectedValue : f.actualValue);

function duplicateItem(f: StewardshipFinding): OpenItemInput {
  const keys = [f.expectedValue, f.actualValue];
  return {
    kind: 'duplicate',
    sourceType: 'finding',
    sourceId: f.id,
    ruleId: f.ruleId,
    entity: f.entity,
    system: f.actualSystem,
    subjectKey: f.expectedValue,
    candidates: keys.map((entityKey) => ({ system: f.actualSystem, entityKey })),
    score: f.score,
    details: { findingKind: f.kind, field: f.field, matchKey: f.matchKey, ...f.details },
  };
}
