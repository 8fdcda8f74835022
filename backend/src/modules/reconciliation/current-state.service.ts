import { Injectable } from '@nestjs/common';
import {
  currentStateSources,
  DEFAULT_MATCH_FIELD,
  ENTITY_KINDS,
  restrictToKeys,
  type CompileContext,
  type EntityKind,
  type SnapshotOverlay,
} from '@driftwatch/reconciliation-rules';
import { ident, type SqlFragment } from '../../clickhouse/sql';
import { withCrosswalk } from './crosswalk-sources';
import { ReconciliationStoreRepository, type CatalogSnapshot } from './reconciliation-store.repository';
import { InvalidReconciliationRequestError } from './reconciliation-request.error';
import type { RunTarget } from './reconciliation.dto';
import type { RuleSet } from './rule-catalog.service';
import { ruleReads } from './rule-scope';

export const MAX_TARGET_KEYS = 10_000;
/**
 * More incremental snapshots than this since a system's last full one: read it from the current state
 * (FINAL) rather than as an overlay, whose key list and touched set grow with every incremental.
 */
const MAX_OVERLAY_INCREMENTALS = 200;

/** A targeted run's keys: all of them (the findings it may resolve), and how rules read them. */
export interface Target {
  entity: EntityKind;
  keys: string[];
  /** A subquery returning the keys (an event snapshot's); absent: rules inline `keys`. */
  keySet?: SqlFragment;
}
interface StateSources {
  linked: readonly EntityKind[];
  /** entity → system → a snapshot that is the system's whole current state (read without FINAL). */
  wholeSnapshots: Partial<Record<EntityKind, Record<string, string>>>;
  /** entity → system → its latest full snapshot and the incrementals since (FINAL over those only). */
  overlays: Partial<Record<EntityKind, Record<string, SnapshotOverlay>>>;
}

/**
 * The compile context of the current state, shared by runs and previews: each system's latest
 * snapshots (whole-state snapshots read directly, overlays of incrementals), confirmed crosswalk links
 * and, for a targeted run, its keys.
 */
@Injectable()
export class CurrentStateService {
  constructor(private readonly store: ReconciliationStoreRepository) {}

  /** The context over `latest` (the catalog's latest snapshots, as the caller read them). */
  async context(set: RuleSet, latest: CatalogSnapshot[], target?: Target): Promise<CompileContext> {
    return this.build(set, latest, target, await this.stateOf());
  }

  /** The latest snapshots and the context over them, read at once. */
  async current(set: RuleSet, target?: Target): Promise<{ latest: CatalogSnapshot[]; context: CompileContext }> {
    const [latest, state] = await Promise.all([this.store.latestSnapshots(), this.stateOf()]);
    return { latest, context: this.build(set, latest, target, state) };
  }

  /** A run's target with its keys: given ones, or those of event-triggered snapshots (read in ClickHouse). */
  async resolveTarget(target: RunTarget | undefined): Promise<Target | undefined> {
    if (!target) return undefined;
    const given = [...new Set(target.keys ?? [])];
    const snapshotIds = [
      ...new Set([...(target.snapshotRunIds ?? []), ...(target.snapshotRunId ? [target.snapshotRunId] : [])]),
    ];
    if (snapshotIds.length === 0) {
      if (given.length > MAX_TARGET_KEYS) {
        throw new InvalidReconciliationRequestError(`at most ${MAX_TARGET_KEYS} keys per targeted run`);
      }
      return { entity: target.entity, keys: given };
    }
    const field = DEFAULT_MATCH_FIELD[target.entity];
    const [held, deleted] = await Promise.all([
      this.store.matchKeysOfSnapshots(target.entity, field, snapshotIds),
      this.store.deletedMatchKeys(target.entity, field, snapshotIds),
    ]);
    const keys = [...new Set([...given, ...held, ...deleted])];
    if (given.length === 0) {
      // The snapshots' keys stay in ClickHouse: rules read them from the snapshots, not from a literal.
      return {
        entity: target.entity,
        keys,
        keySet: this.store.snapshotKeySet(target.entity, field, snapshotIds, deleted),
      };
    }
    if (keys.length > MAX_TARGET_KEYS) {
      throw new InvalidReconciliationRequestError(`at most ${MAX_TARGET_KEYS} keys per targeted run`);
    }
    return { entity: target.entity, keys };
  }

  /** Where the current state is read from: confirmed crosswalk links and whole-state snapshots. */
  private async stateOf(): Promise<StateSources> {
    const [linked, whole, overlaid] = await Promise.all([
      this.store.linkedEntities(),
      this.store.wholeStateSnapshots(),
      this.store.overlaySnapshots(MAX_OVERLAY_INCREMENTALS),
    ]);
    const wholeSnapshots: StateSources['wholeSnapshots'] = {};
    for (const s of whole) wholeSnapshots[s.entity] = { ...wholeSnapshots[s.entity], [s.system]: s.snapshotId };
    const overlays: StateSources['overlays'] = {};
    for (const o of overlaid) {
      overlays[o.entity] = { ...overlays[o.entity], [o.system]: { full: o.full, incrementals: o.incrementals } };
    }
    return { linked, wholeSnapshots, overlays };
  }

  private build(
    set: RuleSet,
    latest: CatalogSnapshot[],
    target: Target | undefined,
    state: StateSources,
  ): CompileContext {
    const systems = new Set(latest.map((s) => s.system));
    for (const rule of set.rules) for (const read of ruleReads(rule, set.ownership)) systems.add(read.system);
    const bySystem = Object.fromEntries(ENTITY_KINDS.map((e) => [e, [...systems]])) as Record<EntityKind, string[]>;
    // Confirmed identity links (stewardship) replace the default match key for the entities they cover.
    const crosswalk = withCrosswalk(currentStateSources(bySystem, state.wholeSnapshots, state.overlays), state.linked);
    let sources = crosswalk.sources;
    const matchKeys = crosswalk.matchKeys;
    if (target) {
      const keys = target.keySet ?? (target.keys.length ? target.keys : ['']);
      sources = restrictToKeys(sources, { [target.entity]: keys }, matchKeys);
    }
    // Keyed snapshots (a change event's records) say nothing of how fresh the rest of a system is.
    const lastComplete: Record<string, Date | null> = {};
    for (const s of latest) {
      const known = lastComplete[s.system];
      if (!known || known < s.wholeCompletedAt) lastComplete[s.system] = s.wholeCompletedAt;
    }
    return { ownership: set.ownership, sources, matchKeys, events: ident('entity_events'), lastComplete };
  }
}
