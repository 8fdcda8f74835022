/**
 * What a rule compiles against. The same rule compiles against current-state tables, one snapshot
 * (backtests) or a key-restricted subset (targeted runs) because the caller supplies each source
 * relation as a SqlFragment; the match key is part of the context too, so a crosswalk can replace
 * the default `customer_number` / `order_number` join later without touching any rule.
 */
import { DEFAULT_MATCH_FIELD, entityColumns, type EntityKind } from '../model/entity-columns';
import type { Ownership } from '../ownership/ownership';
import { durationSeconds, type Duration } from '../rules/rule.schema';
import { ident, join, list, sql, SqlFragment } from '../sql/sql-fragment';

export interface CompileContext {
  ownership: Ownership;
  /** entity → system → relation (a table name or a parenthesised subquery) with the snapshot columns. */
  sources: Partial<Record<EntityKind, Readonly<Record<string, SqlFragment>>>>;
  /**
   * entity → String expression over a source relation's columns giving the cross-system key.
   * Default: the entity's match column (`customer_number`, `order_number`, …). Records whose key is
   * '' are never matched.
   */
  matchKeys?: Partial<Record<EntityKind, SqlFragment>>;
  /** entity → UInt64 hash of the match key (e.g. `key_hash` when the snapshot stores it); default cityHash64(key). */
  matchKeyHashes?: Partial<Record<EntityKind, SqlFragment>>;
  /** The `entity_events` relation, for propagation_sla and {{events}} in custom SQL. */
  events?: SqlFragment;
  /** system → when its last complete snapshot finished (null or absent: never). For freshness. */
  lastComplete?: Readonly<Record<string, Date | null>>;
  /** Evaluation time (backtests); default: the server's now(). */
  asOf?: Date;
  /**
   * Compare the write-time hash of both records first (`shared_hash`, or `field_hash` for a rule that
   * compares a system-local reference) and read the compared columns only for keys whose hashes
   * differ. Sound when the hash covers every compared field and is computed the same way in every
   * system (the snapshot pipeline's contract). Default true.
   */
  fieldHashPrefilter?: boolean;
}

export class RuleCompileError extends Error {
  constructor(
    readonly ruleId: string,
    message: string,
  ) {
    super(`rule ${ruleId}: ${message}`);
    this.name = 'RuleCompileError';
  }
}

export interface SourceOptions {
  /** Read a ReplacingMergeTree with FINAL (current_<entity>). */
  final?: boolean;
  /** Skip rows marked `deleted = 1` (current_<entity> marks keys gone from a full snapshot). */
  liveOnly?: boolean;
  /** Only rows of this snapshot (backtests). */
  snapshotId?: string;
  /**
   * key_hash, field_hash and shared_hash are MATERIALIZED in the snapshot tables, so `SELECT *` omits them; name
   * them explicitly (default). Set false for a relation where they are ordinary columns.
   */
  materializedHashes?: boolean;
}

/**
 * A source that is one system's rows of a snapshot-schema table. It remembers the table and options,
 * so a compiler can read a few keys of several systems of the same table in one pass (`keyedRows`).
 */
export class TableRelation extends SqlFragment {
  constructor(
    text: string,
    readonly table: SqlFragment,
    readonly system: string,
    readonly options: SourceOptions,
    /**
     * Another relation holding the same records (a whole-state snapshot is the system's current
     * state): `keyedRows` reads it instead when that lets every system share one read.
     */
    readonly sameRecordsAs?: TableRelation,
  ) {
    super(text);
  }

  /**
   * Same table and options, so one read can serve both (systems aside, and each system's own
   * snapshot id when both read one snapshot).
   */
  sharesTableWith(other: TableRelation): boolean {
    const a = this.options;
    const b = other.options;
    return (
      this.table.text === other.table.text &&
      !!a.final === !!b.final &&
      !!a.liveOnly === !!b.liveOnly &&
      (a.snapshotId === undefined) === (b.snapshotId === undefined) &&
      (a.materializedHashes !== false) === (b.materializedHashes !== false)
    );
  }
}

/** The clauses a read of a snapshot-schema table takes from its options. */
function readClauses(options: SourceOptions) {
  return {
    hashes: options.materializedHashes === false ? sql`` : sql`, key_hash, field_hash, shared_hash`,
    final: options.final ? sql` FINAL` : sql``,
    live: options.liveOnly ? sql` AND deleted = 0` : sql``,
    snapshot: options.snapshotId === undefined ? sql`` : sql` AND snapshot_id = ${options.snapshotId}`,
  };
}

/** `(SELECT *, key_hash, field_hash, shared_hash FROM <table> [FINAL] WHERE system = '<system>' […])`. */
export function tableSource(
  table: SqlFragment,
  system: string,
  options: SourceOptions = {},
  sameRecordsAs?: TableRelation,
): TableRelation {
  const { hashes, final, live, snapshot } = readClauses(options);
  return new TableRelation(
    sql`(SELECT *${hashes} FROM ${table}${final} WHERE system = ${system}${live}${snapshot})`.text,
    table,
    system,
    options,
    sameRecordsAs,
  );
}

/**
 * Settings every compiled rule must run with. ClickHouse 18.16 executes an `IN (subquery)` on a
 * primary-key column (or a function of one) once more for index analysis at every level of query
 * nesting (`use_index_for_in_with_subqueries`): a field_match's candidate subquery ran five times.
 * Our key sets are hashes spread over every granule, so the index would not skip anything anyway.
 */
export const COMPILED_RULE_SETTINGS: Readonly<Record<string, string>> = { use_index_for_in_with_subqueries: '0' };

/**
 * The rows of some systems' records whose `key_hash` (the entity-key hash every snapshot-schema
 * relation carries) is in `keyHashes`, as one relation with `f_system` and the given columns. The
 * sources of one table read alike (all current state, or all a snapshot each) share one read with
 * `PREWHERE key_hash IN (…)`: the key set is built once and no wide column is merged (FINAL) or read
 * for other keys. Filtering on key_hash before FINAL is sound because every version of a record
 * shares it. When the systems' sources need several reads (some whole-state snapshots, some current
 * state), the snapshots are read through the current state they equal (`sameRecordsAs`) if that
 * makes one read: each read builds the key set again (ClickHouse 18.16 shares no subquery between
 * UNION ALL branches), and FINAL over only the keyed records is cheap. A source that is no table is
 * read and filtered on its own. Run with COMPILED_RULE_SETTINGS.
 */
function keyedRowsOf(
  relations: readonly { system: string; relation: SqlFragment }[],
  columns: readonly SqlFragment[],
  keyHashes: SqlFragment,
): SqlFragment {
  // An overlay's few keyed records are read from the current state it equals (FINAL over those only).
  const readable = relations.map((r) => {
    const base = whole(r.relation);
    return { system: r.system, relation: base instanceof OverlayRelation ? base.sameRecordsAs : base };
  });
  let reads = groupedReads(readable);
  if (reads.groups.length > 1) {
    const swapped = groupedReads(
      readable.map((r) => ({
        system: r.system,
        relation: (r.relation instanceof TableRelation && r.relation.sameRecordsAs) || r.relation,
      })),
    );
    if (swapped.groups.length + swapped.others.length < reads.groups.length + reads.others.length) reads = swapped;
  }
  const selects = reads.groups.map(({ table, members }) => {
    const { options } = table;
    const { hashes, final } = readClauses(options);
    const live = options.liveOnly ? sql` WHERE deleted = 0` : sql``;
    const systems =
      options.snapshotId === undefined
        ? sql`system IN ${list(members.map((m) => m.system))}`
        : join(
            members.map((m) => sql`(system = ${m.system} AND snapshot_id = ${m.options.snapshotId ?? ''})`),
            ' OR ',
          );
    return sql`SELECT system AS f_system, ${join(columns)}
      FROM (SELECT *${hashes} FROM ${table.table}${final}
        PREWHERE key_hash IN (${keyHashes})
        WHERE ${systems})${live}`;
  });
  for (const r of reads.others) {
    selects.push(
      sql`SELECT ${r.system} AS f_system, ${join(columns)} FROM ${r.relation} WHERE key_hash IN (${keyHashes})`,
    );
  }
  return join(selects, '\nUNION ALL\n');
}

/** Table sources that can share one read, in first-seen order; a source that is no table is read alone. */
function groupedReads(relations: readonly { system: string; relation: SqlFragment }[]) {
  const groups: { table: TableRelation; members: TableRelation[] }[] = [];
  const others: { system: string; relation: SqlFragment }[] = [];
  for (const r of relations) {
    if (!(r.relation instanceof TableRelation)) {
      others.push(r);
      continue;
    }
    const table = r.relation;
    const group = groups.find((g) => g.table.sharesTableWith(table));
    if (group) group.members.push(table);
    else groups.push({ table, members: [table] });
  }
  return { groups, others };
}

/** The relation without a targeted run's key restriction (key hashes already name the records). */
function whole(relation: SqlFragment): SqlFragment {
  return relation instanceof RestrictedRelation ? relation.unrestricted : relation;
}

/**
 * A system's current state without merging every version of every record: its latest full snapshot
 * (one that holds each record once), less the records incremental snapshots completed since then
 * hold, plus those records' current versions (FINAL over only them). The same live records as
 * `current_<entity>` FINAL (its `sameRecordsAs`), because only a full snapshot marks records deleted.
 */
export class OverlayRelation extends SqlFragment {
  constructor(
    readonly entity: EntityKind,
    readonly system: string,
    readonly overlay: SnapshotOverlay,
    readonly sameRecordsAs: TableRelation,
  ) {
    super(overlayRows(entity, system, overlay, sameRecordsAs).text);
  }

  /** The same relation narrowed to the rows meeting `condition`, applied within both halves. */
  where(condition: SqlFragment): SqlFragment {
    return overlayRows(this.entity, this.system, this.overlay, this.sameRecordsAs, condition);
  }
}

/** A full snapshot and the incremental snapshots of the same system and entity completed after it. */
export interface SnapshotOverlay {
  full: string;
  incrementals: readonly string[];
}

/**
 * An overlay's rows, meeting `condition` if given: PREWHERE on the full snapshot, so a selective
 * condition reads little of it beyond its own columns.
 */
function overlayRows(
  entity: EntityKind,
  system: string,
  overlay: SnapshotOverlay,
  current: TableRelation,
  condition?: SqlFragment,
): SqlFragment {
  // Both branches name every column (the current state has more), in one order: UNION ALL is positional.
  const columns = join(entityColumns(entity).map((c) => ident(c.name)));
  const snapshots = ident(`snapshot_${entity}`);
  const touched = sql`SELECT key_hash FROM ${snapshots}
      WHERE system = ${system} AND snapshot_id IN ${list([...overlay.incrementals])}`;
  const prewhere = condition ? sql` PREWHERE ${condition}` : sql``;
  const alsoMeeting = condition ? sql` AND ${condition}` : sql``;
  return sql`(SELECT ${columns} FROM ${snapshots}${prewhere}
      WHERE system = ${system} AND snapshot_id = ${overlay.full} AND key_hash NOT IN (${touched})
    UNION ALL
    SELECT ${columns} FROM ${current.table} FINAL
      PREWHERE key_hash IN (${touched})
      WHERE system = ${system} AND deleted = 0${alsoMeeting})`;
}

/**
 * Sources for the current state: live rows of `current_<entity>` FINAL per system, except where
 * `wholeSnapshots` names a snapshot that is the system's state on its own (its latest complete
 * snapshot is full, nothing completed since, and it holds each record once): that snapshot's rows
 * of `snapshot_<entity>` are read instead — the same records without merging every version (FINAL
 * costs several plain scans). Such a source remembers its current-state twin (`sameRecordsAs`), for
 * reads of a few keys shared with systems read from the current state (see keyedRowsOf). Where
 * `overlays` names a system's latest full snapshot and the incrementals since, it is read as that
 * overlay (OverlayRelation): FINAL only over the records the incrementals hold.
 */
export function currentStateSources(
  systemsByEntity: Partial<Record<EntityKind, readonly string[]>>,
  wholeSnapshots: Partial<Record<EntityKind, Readonly<Record<string, string>>>> = {},
  overlays: Partial<Record<EntityKind, Readonly<Record<string, SnapshotOverlay>>>> = {},
): CompileContext['sources'] {
  return mapSources(systemsByEntity, (entity, system) => {
    const snapshotId = wholeSnapshots[entity]?.[system];
    const overlay = overlays[entity]?.[system];
    const current = tableSource(ident(`current_${entity}`), system, { final: true, liveOnly: true });
    // An overlay first: incrementals that started after the full snapshot may have completed before it.
    if (overlay && overlay.incrementals.length > 0) return new OverlayRelation(entity, system, overlay, current);
    return snapshotId === undefined
      ? current
      : tableSource(ident(`snapshot_${entity}`), system, { snapshotId }, current);
  });
}

/** Sources for one snapshot per system (backtests): `snapshot_<entity>` rows of that snapshot id. */
export function snapshotSources(
  snapshotIds: Partial<Record<EntityKind, Readonly<Record<string, string>>>>,
): CompileContext['sources'] {
  const sources: CompileContext['sources'] = {};
  for (const [entity, bySystem] of Object.entries(snapshotIds) as [EntityKind, Record<string, string>][]) {
    const relations: Record<string, SqlFragment> = {};
    for (const [system, snapshotId] of Object.entries(bySystem)) {
      relations[system] = tableSource(ident(`snapshot_${entity}`), system, { snapshotId });
    }
    sources[entity] = relations;
  }
  return sources;
}

/**
 * A source narrowed to some keys that remembers the whole relation: lookups of *other* records (a
 * child's parent for orphans and hierarchy) must still see every record, or a targeted run would
 * report every parent outside the key set as missing.
 */
export class RestrictedRelation extends SqlFragment {
  constructor(
    text: string,
    readonly unrestricted: SqlFragment,
  ) {
    super(text);
  }
}

/**
 * Narrows every source to the given match keys (targeted runs after an event-triggered snapshot).
 * Keys are either a list, inlined as one array literal behind `IN (SELECT arrayJoin(…))` (ClickHouse
 * 18.16 rebuilt an inline `IN ('k1', …)` set of 10,000 keys at every level of query analysis), or a
 * subquery returning them (e.g. the match keys an event snapshot holds): the literal is repeated in
 * every source of a rule and analysed again at each level, which made a 10,000-key field_match
 * several times slower than reading the same keys from a table.
 */
export function restrictToKeys(
  sources: CompileContext['sources'],
  keys: Partial<Record<EntityKind, readonly string[] | SqlFragment>>,
  matchKeys: CompileContext['matchKeys'] = {},
): CompileContext['sources'] {
  const restricted: CompileContext['sources'] = { ...sources };
  for (const [entity, values] of Object.entries(keys) as [EntityKind, readonly string[] | SqlFragment][]) {
    const relations = sources[entity];
    if (!relations) continue;
    if (!(values instanceof SqlFragment) && values.length === 0) continue;
    const key = matchKeys[entity] ?? ident(DEFAULT_MATCH_FIELD[entity]);
    const keySet =
      values instanceof SqlFragment
        ? sql`(${values})`
        : sql`(SELECT arrayJoin([${join(values.map((v) => sql`${v}`))}]))`;
    const narrowed: Record<string, SqlFragment> = {};
    for (const [system, relation] of Object.entries(relations)) {
      const whole = relation instanceof RestrictedRelation ? relation.unrestricted : relation;
      // A few records of an overlay are read from the current state it equals, as a FINAL source's are.
      const readable = whole instanceof OverlayRelation ? whole.sameRecordsAs : whole;
      const text =
        readable instanceof TableRelation && readable.options.final && matchKeys[entity] === undefined
          ? keyedFinalRows(readable, sql`${key} IN ${keySet}`)
          : sql`(SELECT * FROM ${relation} WHERE ${key} IN ${keySet})`;
      narrowed[system] = new RestrictedRelation(text.text, whole);
    }
    restricted[entity] = narrowed;
  }
  return restricted;
}

/**
 * A FINAL table source narrowed to the rows meeting a condition (e.g. some match keys) without
 * merging the whole table: first the key_hash of every version (no FINAL, narrow columns read) that
 * meets it, then FINAL over only those records (`PREWHERE key_hash IN`, sound because all versions of
 * a record share key_hash), and the condition again on the merged row (its latest version may not
 * meet it). A targeted run then costs one narrow scan plus the touched records, not a merge of every
 * record.
 */
function keyedFinalRows(relation: TableRelation, condition: SqlFragment): SqlFragment {
  const { table, system, options } = relation;
  const { hashes, live, snapshot } = readClauses(options);
  return sql`(SELECT *${hashes} FROM ${table} FINAL
    PREWHERE key_hash IN (SELECT key_hash FROM ${table} WHERE system = ${system}${snapshot} AND ${condition})
    WHERE system = ${system}${live}${snapshot} AND ${condition})`;
}

function mapSources(
  systemsByEntity: Partial<Record<EntityKind, readonly string[]>>,
  relation: (entity: EntityKind, system: string) => SqlFragment,
): CompileContext['sources'] {
  const sources: CompileContext['sources'] = {};
  for (const [entity, systems] of Object.entries(systemsByEntity) as [EntityKind, readonly string[]][]) {
    sources[entity] = Object.fromEntries(systems.map((system) => [system, relation(entity, system)]));
  }
  return sources;
}

/** Resolves what a compiler needs from the context, with clear errors when something is missing. */
export class ContextReader {
  constructor(
    readonly context: CompileContext,
    readonly ruleId: string,
  ) {}

  source(entity: EntityKind, system: string): SqlFragment {
    const relation = this.context.sources[entity]?.[system];
    if (!relation)
      throw new RuleCompileError(this.ruleId, `the context has no source for ${entity} in system ${system}`);
    return relation;
  }

  /** The whole relation even in a targeted run: for looking up parents of the records being checked. */
  lookupSource(entity: EntityKind, system: string): SqlFragment {
    const relation = this.source(entity, system);
    return relation instanceof RestrictedRelation ? relation.unrestricted : relation;
  }

  /**
   * Rows of a system's source meeting `prewhere` (a condition on stored columns, applied as PREWHERE),
   * and maybe more: every stored version of its records, deleted ones too, instead of the current
   * state. For narrow scans that only collect hashes of the records worth reading, where an extra
   * record costs nothing but merging versions (FINAL, or an overlay) costs several plain scans. A
   * snapshot source is read exactly, and a source that is no table (or a targeted run's few keys) as
   * it is.
   */
  anyVersionRows(entity: EntityKind, system: string, prewhere: SqlFragment): SqlFragment {
    const relation = this.source(entity, system);
    const table = relation instanceof OverlayRelation ? relation.sameRecordsAs : relation;
    if (!(table instanceof TableRelation)) return sql`(SELECT * FROM ${relation} WHERE ${prewhere})`;
    const { hashes, snapshot } = readClauses(table.options);
    return sql`(SELECT *${hashes} FROM ${table.table} PREWHERE ${prewhere} WHERE system = ${table.system}${snapshot})`;
  }

  /**
   * The source narrowed to the rows meeting `condition` (over stored columns), read so that a
   * selective condition is cheap: a snapshot (and an overlay's full snapshot) with the condition as
   * PREWHERE, the current state by merging only the records with a version meeting it
   * (keyedFinalRows). A source that is no table (or a targeted run's few keys) is filtered as it is.
   */
  sourceWhere(entity: EntityKind, system: string, condition: SqlFragment): SqlFragment {
    const relation = this.source(entity, system);
    if (relation instanceof OverlayRelation) return relation.where(condition);
    if (!(relation instanceof TableRelation)) return sql`(SELECT * FROM ${relation} WHERE ${condition})`;
    if (relation.options.final) return keyedFinalRows(relation, condition);
    const { hashes, live, snapshot } = readClauses(relation.options);
    return sql`(SELECT *${hashes} FROM ${relation.table} PREWHERE ${condition} WHERE system = ${system}${live}${snapshot})`;
  }

  /** The match key expression: the rule's own field, else the context's (crosswalk seam), else the default. */
  matchKey(entity: EntityKind, ruleField?: string): SqlFragment {
    if (ruleField !== undefined) return ident(ruleField);
    return this.context.matchKeys?.[entity] ?? ident(DEFAULT_MATCH_FIELD[entity]);
  }

  /**
   * Rows of `systems` whose key_hash is in `keyHashes` (a subquery), as one relation with `f_system`
   * and `columns` (expressions over the snapshot columns, aliased by the caller).
   */
  keyedRows(
    entity: EntityKind,
    systems: readonly string[],
    columns: readonly SqlFragment[],
    keyHashes: SqlFragment,
  ): SqlFragment {
    const relations = systems.map((system) => ({ system, relation: this.source(entity, system) }));
    return keyedRowsOf(relations, columns, keyHashes);
  }

  matchKeyHash(entity: EntityKind, ruleField?: string): SqlFragment {
    const custom = ruleField === undefined ? this.context.matchKeyHashes?.[entity] : undefined;
    return custom ?? sql`cityHash64(${this.matchKey(entity, ruleField)})`;
  }

  events(): SqlFragment {
    if (!this.context.events) throw new RuleCompileError(this.ruleId, 'the context has no events relation');
    return this.context.events;
  }

  asOf(): SqlFragment {
    return this.context.asOf ? sql`${this.context.asOf}` : sql`now()`;
  }

  /** Whether a record changed at `at` (a DateTime column) is still settling: within `settle` before asOf. */
  stillSettling(at: SqlFragment, settle: Duration): SqlFragment {
    return sql`${at} > toUInt32(${this.asOf()}) - ${durationSeconds(settle)}`;
  }

  get prefilter(): boolean {
    return this.context.fieldHashPrefilter ?? true;
  }
}
