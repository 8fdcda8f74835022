import { Injectable, Logger } from '@nestjs/common';
import { ENTITY_KINDS, type EntityKind } from '@driftwatch/reconciliation-rules';
import { LinkSuggestionService } from './link-suggestion.service';
import {
  DUPLICATE_KINDS,
  StewardshipFindingsRepository,
  UNMATCHED_KINDS,
  type StewardshipFinding,
} from './stewardship-findings.repository';
import type { LinkSuggestion, OpenItemInput } from './stewardship-item';
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
    // An unknown run saw nothing; its resolved findings' items are still closed below.
    const run = await this.findings.run(runId);
    let after = '';
    while (run) {
      const page = await this.findings.seenByRun(run, after, PAGE);
      for (const input of await this.itemsOf(page)) {
        const { created } = await this.items.upsert(input, 'system', { refresh: true });
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
    const unmatched = new Map<string, { entity: EntityKind; from: string; to: string; items: OpenItemInput[] }>();
    for (const f of findings) {
      const input = itemOfFinding(f);
      if (!input) continue;
      const absentFrom = text(input.details?.absentFrom);
      if (input.kind !== 'unmatched_identity' || !isEntity(f.entity)) {
        inputs.push(input);
        continue;
      }
      const group = `${f.entity}\u0000${input.system}\u0000${absentFrom}`;
      const entry = unmatched.get(group) ?? { entity: f.entity, from: input.system, to: absentFrom, items: [] };
      entry.items.push(input);
      unmatched.set(group, entry);
    }
    for (const group of unmatched.values()) {
      const keys = group.items.map((i) => i.subjectKey);
      const suggestions = await this.suggestions.suggest(group.entity, group.from, keys, group.to);
      for (const input of group.items) {
        const suggestion = suggestions.get(input.subjectKey) ?? null;
        inputs.push({ ...input, suggestion, score: suggestion?.score ?? 0 });
      }
    }
    return inputs;
  }

  /** Open items whose finding resolved, retired or was suppressed are dismissed: nothing is left to decide. */
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

/**
 * The item a finding raises, without a link suggestion: one shape whoever opens it (the intake after
 * a run, or the fix-up planner handing a finding over). Null for findings that need no steward.
 */
export function itemOfFinding(f: StewardshipFinding, suggestion: LinkSuggestion | null = null): OpenItemInput | null {
  if ((DUPLICATE_KINDS as readonly string[]).includes(f.kind)) return duplicateItem(f);
  if (!(UNMATCHED_KINDS as readonly string[]).includes(f.kind)) return null;
  const presentIn = text(f.details.present_in);
  const absentFrom = text(f.details.absent_from);
  if (!presentIn || !absentFrom) return null;
  const subjectKey = subjectKeyOf(f);
  return {
    kind: 'unmatched_identity',
    sourceType: 'finding',
    sourceId: f.id,
    ruleId: f.ruleId,
    entity: f.entity,
    system: presentIn,
    subjectKey,
    candidates: [{ system: presentIn, entityKey: subjectKey }],
    suggestion,
    score: suggestion?.score ?? 0,
    details: { findingKind: f.kind, matchKey: f.matchKey, absentFrom },
  };
}
