/**
 * Turns the statements of single-server migrations into their cluster form at apply time, so
 * migration files stay immutable and identical for both modes.
 *
 * Layout on a cluster: every shard holds the real (MergeTree-family, optionally Replicated) tables
 * under their own names in the shard database `<database>_local`; the application's database holds,
 * on every node, a `Distributed` table of the same name and columns over them. Because names do not
 * change, a migration's views, materialized views, ALTERs and mutations run verbatim in the shard
 * database, and a compiled reconciliation rule runs verbatim on one shard (see ClickHouseService).
 */
import { DEFAULT_MATCH_FIELD, ENTITY_KINDS } from '@driftwatch/reconciliation-rules';

export interface ClusterTopology {
  /** Cluster name in the servers' remote_servers. */
  cluster: string;
  /** One HTTP URL per shard, in shard_num order. */
  shardUrls: readonly string[];
  /** `per_shard`: the runner sends DDL to every shard; `on_cluster`: ON CLUSTER through one node (keeper). */
  ddl: 'per_shard' | 'on_cluster';
  replicated: boolean;
  /** Keeper path template; `{database}` and `{table}` are filled in here, `{shard}` by the server's macros. */
  replicationPath: string;
}

/**
 * Where a statement runs: `shard` in the shard database of every shard (every replica with ON
 * CLUSTER), `entry` in the application database of every node (Distributed tables, global views),
 * `once` through the application database on one node (data statements: the Distributed tables route
 * the rows).
 */
export type DdlPlacement = 'shard' | 'entry' | 'once' | 'redefine';

/**
 * `redefine` (ON CLUSTER only): the Distributed table `table` is defined again over its shard table's
 * columns as they are now (see redefineDistributed); `sql` is the ALTER it stands for.
 */
export interface ClusterStatement {
  placement: DdlPlacement;
  sql: string;
  table?: string;
}

/** A column of a shard table as DESCRIBE TABLE reports it (18.16 and current). */
export interface DescribedColumn {
  name: string;
  type: string;
  default_type: string;
  default_expression: string;
}

export class ClusterDdlError extends Error {
  constructor(statement: string, reason: string) {
    super(`cluster mode cannot apply "${excerpt(statement)}": ${reason}`);
    this.name = 'ClusterDdlError';
  }
}

export const shardDatabase = (database: string): string => `${database}_local`;

const IDENT = '`?([A-Za-z_][A-Za-z0-9_]*)`?';
const CREATE_TABLE = new RegExp(`^CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}\\s*\\(`, 'i');
const CREATE_MATERIALIZED_VIEW = new RegExp(
  `^CREATE\\s+MATERIALIZED\\s+VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}\\s+(TO\\s+${IDENT}\\s+)?`,
  'i',
);
const CREATE_VIEW = new RegExp(`^CREATE\\s+VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}\\s+`, 'i');
const ALTER_TABLE = new RegExp(`^ALTER\\s+TABLE\\s+${IDENT}\\s+`, 'i');
const DROP_TABLE = new RegExp(`^DROP\\s+(TABLE|VIEW)\\s+(IF\\s+EXISTS\\s+)?${IDENT}\\s*$`, 'i');
const SHARD_ONLY = new RegExp(`^(OPTIMIZE|TRUNCATE)\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?${IDENT}`, 'i');
const DATA_STATEMENT = /^(INSERT\s+INTO|SELECT)\s/i;
const COLUMN_ALTER = /^(ADD|DROP|MODIFY|COMMENT|RENAME|CLEAR)\s+COLUMN\b/i;

/** The statements that apply one migration statement on the cluster, in order. */
export function clusterStatements(statement: string, topology: ClusterTopology, database: string): ClusterStatement[] {
  const text = statement.trim();
  const onCluster = topology.ddl === 'on_cluster';
  const local = shardDatabase(database);

  let m = CREATE_TABLE.exec(text);
  if (m) return createTable(text, m, topology, database);

  m = CREATE_MATERIALIZED_VIEW.exec(text);
  if (m) {
    if (!m[3]) {
      throw new ClusterDdlError(text, 'a materialized view must write TO a table so that its target can be sharded');
    }
    const body = text.slice(m[0].length);
    const head = `CREATE MATERIALIZED VIEW ${m[1] ?? ''}${name(m[2], local, onCluster)}${clusterClause(topology)} TO ${name(m[4], local, onCluster)} `;
    return [{ placement: 'shard', sql: head + (onCluster ? qualifyTables(body, local) : body) }];
  }

  m = CREATE_VIEW.exec(text);
  if (m) {
    // A view in each database: over the shard's own tables and over the Distributed ones.
    const body = text.slice(m[0].length);
    const view = (db: string) =>
      `CREATE VIEW ${m?.[1] ?? ''}${name(m?.[2] ?? '', db, onCluster)}${clusterClause(topology)} ${onCluster ? qualifyTables(body, db) : body}`;
    return [
      { placement: 'shard', sql: view(local) },
      { placement: 'entry', sql: view(database) },
    ];
  }

  m = ALTER_TABLE.exec(text);
  if (m) {
    const commands = text.slice(m[0].length);
    const alter = (db: string, body: string) =>
      `ALTER TABLE ${name(m?.[1] ?? '', db, onCluster)}${clusterClause(topology)} ${body}`;
    const parts = splitTopLevel(commands, ',').map((part) => part.trim());
    const columnParts = parts.filter((part) => COLUMN_ALTER.test(part));
    if (columnParts.length === 0) return [{ placement: 'shard', sql: alter(local, commands) }];
    if (columnParts.length !== parts.length) {
      throw new ClusterDdlError(text, 'split column changes and other ALTER commands into separate statements');
    }
    // Column changes go to the shard tables first, then to the Distributed table over them. ON CLUSTER,
    // a keeper refuses ALTER of a table that is not replicated on shards with internal_replication
    // ("isn't replicated, but shard #1 is replicated"), and a Distributed table never is: it is
    // defined again instead (it holds no rows: inserts are synchronous).
    const entry = alter(database, distributedColumns(commands));
    return [
      { placement: 'shard', sql: alter(local, commands) },
      onCluster ? { placement: 'redefine', sql: entry, table: m[1] } : { placement: 'entry', sql: entry },
    ];
  }

  m = DROP_TABLE.exec(text);
  if (m) {
    const drop = (db: string) =>
      `DROP ${m?.[1] ?? 'TABLE'} ${m?.[2] ?? ''}${name(m?.[3] ?? '', db, onCluster)}${clusterClause(topology)}`;
    return [
      { placement: 'entry', sql: drop(database) },
      { placement: 'shard', sql: drop(local) },
    ];
  }

  m = SHARD_ONLY.exec(text);
  if (m) {
    const rest = text.slice(m[0].length);
    return [
      {
        placement: 'shard',
        sql: `${m[1]} TABLE ${m[2] ?? ''}${name(m[3], local, onCluster)}${clusterClause(topology)}${rest}`,
      },
    ];
  }

  if (DATA_STATEMENT.test(text)) return [{ placement: 'once', sql: text }];

  throw new ClusterDdlError(
    text,
    'only CREATE TABLE / VIEW / MATERIALIZED VIEW … TO, ALTER TABLE, DROP, OPTIMIZE, TRUNCATE, INSERT and SELECT are ' +
      'known; extend backend/src/clickhouse/cluster-ddl.ts for this statement',
  );
}

/** The sharding key of a table: its entity's match key, so every system's record of an entity meets on one shard. */
export function shardingKey(table: string, columns: readonly string[]): string {
  const has = (column: string) => columns.includes(column);
  // Longest entity names first: `credit_profile` before a hypothetical `profile`.
  const entities = [...ENTITY_KINDS].sort((a, b) => b.length - a.length);
  const entity = entities.find((e) => table === e || table.endsWith(`_${e}`));
  if (entity && has(DEFAULT_MATCH_FIELD[entity])) return `cityHash64(${DEFAULT_MATCH_FIELD[entity]})`;
  for (const column of ['match_key', 'customer_number', 'order_number', 'entity_key', 'snapshot_id']) {
    if (has(column)) return `cityHash64(${column})`;
  }
  return 'rand()';
}

function createTable(
  text: string,
  m: RegExpExecArray,
  topology: ClusterTopology,
  database: string,
): ClusterStatement[] {
  const onCluster = topology.ddl === 'on_cluster';
  const local = shardDatabase(database);
  const ifNotExists = m[1] ?? '';
  const table = m[2];
  const open = m[0].length - 1;
  const close = matchingParen(text, open);
  if (close < 0) throw new ClusterDdlError(text, 'unbalanced parentheses in the column list');
  const columnsText = text.slice(open + 1, close);
  const tail = text.slice(close + 1).trim();
  const engine = /^ENGINE\s*=\s*([A-Za-z]+)\s*/i.exec(tail);
  if (!engine) throw new ClusterDdlError(text, 'CREATE TABLE without ENGINE = … after the columns');
  const engineName = engine[1];
  let afterEngine = tail.slice(engine[0].length);
  let engineArgs = '';
  if (afterEngine.startsWith('(')) {
    const end = matchingParen(afterEngine, 0);
    if (end < 0) throw new ClusterDdlError(text, 'unbalanced parentheses in the engine arguments');
    engineArgs = afterEngine.slice(1, end).trim();
    afterEngine = afterEngine.slice(end + 1).trim();
  }
  if (!/MergeTree$/.test(engineName)) {
    throw new ClusterDdlError(text, `engine ${engineName} cannot be sharded; use the MergeTree family`);
  }

  let shardEngine = engineArgs || /^Replicated/.test(engineName) ? `${engineName}(${engineArgs})` : engineName;
  if (topology.replicated && !engineName.startsWith('Replicated')) {
    const path = topology.replicationPath.replace(/\{database\}/g, database).replace(/\{table\}/g, table);
    const args = [quote(path), quote('{replica}'), ...(engineArgs ? [engineArgs] : [])];
    shardEngine = `Replicated${engineName}(${args.join(', ')})`;
  }
  const columns = splitTopLevel(columnsText, ',')
    .map((c) => c.trim())
    .filter(Boolean);
  const definitions = columns.filter((c) => !/^(INDEX|CONSTRAINT|PROJECTION)\s/i.test(c));
  const names = definitions.map((c) => /^`?([A-Za-z_][A-Za-z0-9_]*)`?/.exec(c)?.[1] ?? '');
  const cluster = clusterClause(topology);
  const shardSql =
    `CREATE TABLE ${ifNotExists}${name(table, local, onCluster)}${cluster} (${columnsText}) ENGINE = ${shardEngine}` +
    (afterEngine ? ` ${afterEngine}` : '');
  const distributedSql =
    `CREATE TABLE ${ifNotExists}${name(table, database, onCluster)}${cluster} (\n    ` +
    definitions.map(distributedColumns).join(',\n    ') +
    `\n) ENGINE = Distributed(${topology.cluster}, ${local}, ${table}, ${shardingKey(table, names)})`;
  return [
    { placement: 'shard', sql: shardSql },
    { placement: 'entry', sql: distributedSql },
  ];
}

/**
 * Drops and creates, ON CLUSTER, the Distributed table `table` of the application database over the
 * shard table's `columns` (what DESCRIBE TABLE of it returns, in order).
 */
export function redefineDistributed(
  table: string,
  columns: readonly DescribedColumn[],
  topology: ClusterTopology,
  database: string,
): string[] {
  const definitions = columns.map((c) =>
    distributedColumns(
      c.default_type ? `${c.name} ${c.type} ${c.default_type} ${c.default_expression}` : `${c.name} ${c.type}`,
    ),
  );
  const names = columns.map((c) => c.name);
  const cluster = clusterClause(topology);
  return [
    `DROP TABLE IF EXISTS ${database}.${table}${cluster}`,
    `CREATE TABLE ${database}.${table}${cluster} (\n    ${definitions.join(',\n    ')}\n) ENGINE = Distributed(${
      topology.cluster
    }, ${shardDatabase(database)}, ${table}, ${shardingKey(table, names)})`,
  ];
}

/**
 * A Distributed table cannot take inserts when it declares MATERIALIZED columns (18.16: "Cannot insert
 * column … because it is MATERIALIZED"), so there they become ALIAS columns with the same expression:
 * the shard computes the same value from the same row when it is selected by name, and `SELECT *`
 * still leaves them out.
 */
function distributedColumns(definition: string): string {
  return definition.replace(/\bMATERIALIZED\b/gi, 'ALIAS');
}

function clusterClause(topology: ClusterTopology): string {
  return topology.ddl === 'on_cluster' ? ` ON CLUSTER ${topology.cluster}` : '';
}

/** ON CLUSTER statements name their database (each host runs them in its own default database otherwise). */
function name(table: string, database: string, qualify: boolean): string {
  return qualify ? `${database}.${table}` : table;
}

/** Qualifies plain table names after FROM and JOIN (migration SQL written in source, not user input). */
function qualifyTables(select: string, database: string): string {
  return mapOutsideStrings(select, (chunk) =>
    chunk.replace(
      /\b(FROM|JOIN)(\s+)`?([A-Za-z_][A-Za-z0-9_]*)`?(?![A-Za-z0-9_`]|\s*\.|\s*\()/gi,
      (_all, kw: string, ws: string, t: string) => `${kw}${ws}${database}.${t}`,
    ),
  );
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Index of the parenthesis closing the one at `open`, skipping string literals and backquoted names. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const c = text[i];
    if (c === "'" || c === '`' || c === '"') {
      i = endOfQuoted(text, i);
      continue;
    }
    if (c === '(') depth += 1;
    if (c === ')') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function endOfQuoted(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === q) return i;
  }
  return text.length;
}

/** Splits on `separator` outside parentheses and quotes. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === "'" || c === '`' || c === '"') {
      i = endOfQuoted(text, i);
      continue;
    }
    if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function mapOutsideStrings(text: string, map: (chunk: string) => string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === "'") {
      const end = endOfQuoted(text, i);
      out += map(text.slice(start, i)) + text.slice(i, end + 1);
      start = end + 1;
      i = end;
    }
  }
  return out + map(text.slice(start));
}

function excerpt(statement: string): string {
  const flat = statement.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
