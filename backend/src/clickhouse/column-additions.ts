import { splitTopLevel } from './cluster-ddl';

/** The columns an `ALTER TABLE … ADD COLUMN …[, ADD COLUMN …]` statement adds, and to which table. */
export interface ColumnAddition {
  /** The database the statement names, if it names one (otherwise the connection's). */
  database?: string;
  table: string;
  columns: string[];
}

const IDENT = '`?([A-Za-z_][A-Za-z0-9_]*)`?';
const ALTER_HEAD = new RegExp(
  `^ALTER\\s+TABLE\\s+(?:${IDENT}\\.)?${IDENT}(?:\\s+ON\\s+CLUSTER\\s+(?:'[^']*'|\`[^\`]*\`|\\S+))?\\s+`,
  'i',
);
const ADD_COLUMN = new RegExp(`^ADD\\s+COLUMN\\s+${IDENT}\\s`, 'i');

/**
 * Parses a statement that only adds columns; anything else (other ALTER commands mixed in, `IF NOT
 * EXISTS`, other statements) gives undefined. ClickHouse 18.16 has no `ADD COLUMN IF NOT EXISTS`, so the
 * migrator uses this to tell a column an interrupted earlier attempt already added from a new one.
 */
export function columnAddition(statement: string): ColumnAddition | undefined {
  const text = statement.trim();
  const head = ALTER_HEAD.exec(text);
  if (!head) return undefined;
  const columns: string[] = [];
  for (const part of splitTopLevel(text.slice(head[0].length), ',')) {
    const add = ADD_COLUMN.exec(`${part.trim()} `);
    if (!add || /^IF$/i.test(add[1])) return undefined;
    columns.push(add[1]);
  }
  return { database: head[1], table: head[2], columns };
}
