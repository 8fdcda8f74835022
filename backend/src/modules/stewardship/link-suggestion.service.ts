import { Injectable } from '@nestjs/common';
import type { EntityKind } from '@driftwatch/reconciliation-rules';
import { IDENTITY_FIELDS, MIN_SUGGESTION_SCORE } from './identity-fields';
import { IdentityLinksRepository, pairId } from './identity-links.repository';
import type { LinkSuggestion, RecordRef } from './stewardship-item';
import { StewardshipRecordsRepository } from './stewardship-records.repository';

/**
 * Suggests, for records of one system that have no counterpart in another, the most likely
 * counterpart by normalised identity fields. Pairs a steward rejected are never suggested again;
 * records already linked to a record of the subject's system are not offered.
 */
@Injectable()
export class LinkSuggestionService {
  constructor(
    private readonly records: StewardshipRecordsRepository,
    private readonly links: IdentityLinksRepository,
  ) {}

  async suggest(
    entity: EntityKind,
    subjectSystem: string,
    subjectKeys: readonly string[],
    targetSystem: string,
  ): Promise<Map<string, LinkSuggestion>> {
    const fields = IDENTITY_FIELDS[entity] ?? [];
    const suggestions = new Map<string, LinkSuggestion>();
    if (fields.length === 0 || subjectKeys.length === 0) return suggestions;
    const matches = await this.records.identityMatches(entity, subjectSystem, subjectKeys, targetSystem, fields);
    if (matches.length === 0) return suggestions;

    const weight = new Map(fields.map((f) => [f.field, f.weight]));
    const scored = new Map<string, { subjectKey: string; candidateKey: string; on: Set<string> }>();
    for (const m of matches) {
      const id = `${m.subjectKey}\u0000${m.candidateKey}`;
      const entry = scored.get(id) ?? { subjectKey: m.subjectKey, candidateKey: m.candidateKey, on: new Set() };
      entry.on.add(m.field);
      scored.set(id, entry);
    }

    const refs: RecordRef[] = [
      ...subjectKeys.map((entityKey) => ({ system: subjectSystem, entityKey })),
      ...[...scored.values()].map((s) => ({ system: targetSystem, entityKey: s.candidateKey })),
    ];
    const decided = await this.links.involving(entity, refs);
    const rejected = new Set(decided.filter((l) => l.status === 'rejected').map((l) => pairId(entity, l.a, l.b)));
    // A target record already confirmed as some subject-system record's twin is taken.
    const taken = new Set(
      decided
        .filter((l) => l.status === 'confirmed')
        .flatMap((l) => [l.a, l.b])
        .filter((r) => r.system === targetSystem)
        .map((r) => r.entityKey),
    );

    for (const s of scored.values()) {
      const subject = { system: subjectSystem, entityKey: s.subjectKey };
      const candidate = { system: targetSystem, entityKey: s.candidateKey };
      if (rejected.has(pairId(entity, subject, candidate)) || taken.has(s.candidateKey)) continue;
      const matchedOn = [...s.on].sort();
      const score = Math.round(matchedOn.reduce((sum, f) => sum + (weight.get(f) ?? 0), 0) * 1000) / 1000;
      if (score < MIN_SUGGESTION_SCORE) continue;
      const best = suggestions.get(s.subjectKey);
      if (!best || score > best.score || (score === best.score && candidate.entityKey < best.entityKey)) {
        suggestions.set(s.subjectKey, { ...candidate, score, matchedOn });
      }
    }
    return suggestions;
  }
}
