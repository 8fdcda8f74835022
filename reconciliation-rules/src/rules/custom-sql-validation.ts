/**
 * Validation of the `custom_sql` escape hatch. The text is operator-written SQL that will be embedded
 * in a findings query, so it must be one plain SELECT that reads only the relations it is given:
 * anything that could write, change settings, read server internals or reach outside is refused.
 */
import { ENTITY_KINDS, type EntityKind } from '../model/entity-columns';

export const CUSTOM_SQL_OPTIONAL_COLUMNS = [
  'field',
  'owner_system',
  'expected_value',
  'actual_system',
  'actual_value',
  'details',
  'score',
] as const;

const FORBIDDEN_WORDS = [
  'insert',
  'alter',
  'drop',
  'create',
  'truncate',
  'rename',
  'attach',
  'detach',
  'optimize',
  'kill',
  'grant',
  'revoke',
  'set',
  'delete',
  'update',
  'exchange',
  'into',
  'outfile',
  'format',
  'settings',
  'use',
  'show',
  'describe',
  'information_schema',
];

const TABLE_FUNCTIONS = [
  'url',
  'file',
  'remote',
  'remotesecure',
  'cluster',
  'clusterallreplicas',
  'mysql',
  'postgresql',
  'jdbc',
  'odbc',
  'hdfs',
  's3',
  's3cluster',
  'input',
  'executable',
  'dictionary',
  'merge',
  'view',
];

export const PLACEHOLDER = /\{\{\s*([a-z_]+)(?:\.([a-z][a-z0-9_]*))?\s*\}\}/g;

export interface CustomSqlPlaceholder {
  text: string;
  /** `events` for the events relation, otherwise an entity. */
  entity: EntityKind | 'events';
  system: string | undefined;
}

export interface CustomSqlCheck {
  problems: string[];
  placeholders: CustomSqlPlaceholder[];
}

const stripStrings = (text: string): string => text.replace(/'(?:[^'\\]|\\.)*'/g, "''");

export function checkCustomSql(text: string): CustomSqlCheck {
  const problems: string[] = [];
  const trimmed = text.trim();
  if (!/^select\b/i.test(trimmed)) problems.push('must start with SELECT');
  if (trimmed.includes(';')) problems.push('must not contain ";" (one statement only)');
  if (/--|\/\*|#/.test(trimmed)) problems.push('must not contain comments');
  const code = stripStrings(trimmed.replace(PLACEHOLDER, ' '));
  if (/'/.test(code.replace(/''/g, ''))) problems.push('has an unterminated string literal');
  for (const word of FORBIDDEN_WORDS) {
    if (new RegExp(`\\b${word}\\b`, 'i').test(code)) problems.push(`must not use ${word.toUpperCase()}`);
  }
  if (/\bsystem\s*\.|`system`\s*\./i.test(code)) problems.push('must not read system tables');
  for (const fn of TABLE_FUNCTIONS) {
    if (new RegExp(`\\b${fn}\\s*\\(`, 'i').test(code)) problems.push(`must not call the table function ${fn}()`);
  }
  if (!/\bmatch_key\b/.test(code)) problems.push('must return a match_key column');
  const placeholders: CustomSqlPlaceholder[] = [];
  for (const match of trimmed.matchAll(PLACEHOLDER)) {
    const [whole, entity, system] = match;
    if (entity === 'events' && system === undefined) {
      placeholders.push({ text: whole, entity: 'events', system: undefined });
    } else if ((ENTITY_KINDS as readonly string[]).includes(entity) && system !== undefined) {
      placeholders.push({ text: whole, entity: entity as EntityKind, system });
    } else {
      problems.push(`unknown placeholder ${whole}: use {{<entity>.<system>}} or {{events}}`);
    }
  }
  if (/\{\{|\}\}/.test(trimmed.replace(PLACEHOLDER, ' '))) problems.push('has a malformed {{placeholder}}');
  return { problems, placeholders };
}
