/**
 * The one place where values become ClickHouse SQL text. Everything that builds SQL from values
 * (repositories, the rule compiler) goes through `sql`, `ident` and `literal`, because ClickHouse
 * 18.16 has no server-side query parameters: values must be inlined, and safely.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER_LENGTH = 128;

export class SqlQuotingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlQuotingError';
  }
}

/** SQL text that is already safe: built by `sql`, `ident`, `literal` or declared static by `raw`. */
export class SqlFragment {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type SqlValue = string | number | bigint | boolean | null | Date | SqlFragment;

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
};

export function quoteString(value: string): string {
  // Lone surrogates cannot be sent as UTF-8; refuse rather than let the encoder silently change them.
  if (!value.isWellFormed()) throw new SqlQuotingError('string literal is not well-formed UTF-16');
  return `'${value.replace(/[\\'\0\n\r\t\b\f\v]/g, (c) => STRING_ESCAPES[c] ?? c)}'`;
}

export function formatDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new SqlQuotingError('invalid Date');
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A value as a ClickHouse literal. */
export function literal(value: SqlValue): SqlFragment {
  if (value instanceof SqlFragment) return value;
  if (value === null) return new SqlFragment('NULL');
  switch (typeof value) {
    case 'string':
      return new SqlFragment(quoteString(value));
    case 'number':
      if (!Number.isFinite(value)) throw new SqlQuotingError(`number literal must be finite, got ${value}`);
      return new SqlFragment(Number.isInteger(value) ? value.toFixed(0) : String(value));
    case 'bigint':
      return new SqlFragment(value.toString());
    case 'boolean':
      return new SqlFragment(value ? '1' : '0');
    case 'object':
      if (value instanceof Date) return new SqlFragment(`toDateTime(${quoteString(formatDateTime(value))}, 'UTC')`);
      break;
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new SqlQuotingError(`unsupported SQL value of type ${typeof value}`);
}

export function isIdentifier(name: string): boolean {
  return name.length <= MAX_IDENTIFIER_LENGTH && IDENTIFIER.test(name);
}

/** An identifier (table, column, database). Only plain names are accepted, then backquoted. */
export function ident(name: string): SqlFragment {
  if (typeof name !== 'string' || !isIdentifier(name)) {
    throw new SqlQuotingError(`invalid identifier ${JSON.stringify(name)}: expected ${IDENTIFIER.source}`);
  }
  return new SqlFragment(`\`${name}\``);
}

/** `db.table` with both parts validated. */
export function qualified(database: string, table: string): SqlFragment {
  return new SqlFragment(`${ident(database).text}.${ident(table).text}`);
}

/** A non-negative integer, e.g. for LIMIT. */
export function uint(value: number): SqlFragment {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new SqlQuotingError(`expected a non-negative integer, got ${value}`);
  return new SqlFragment(String(value));
}

/** A parenthesised list of literals for IN; an empty list is refused because `IN ()` is a syntax error. */
export function list(values: readonly SqlValue[]): SqlFragment {
  if (values.length === 0) throw new SqlQuotingError('IN list must not be empty');
  return new SqlFragment(`(${values.map((v) => literal(v).text).join(', ')})`);
}

/** An array literal `[...]`. */
export function array(values: readonly SqlValue[]): SqlFragment {
  return new SqlFragment(`[${values.map((v) => literal(v).text).join(', ')}]`);
}

export function join(fragments: readonly SqlFragment[], separator = ', '): SqlFragment {
  return new SqlFragment(fragments.map((f) => f.text).join(separator));
}

/** Static SQL written in source code (never from input). */
export function raw(text: string): SqlFragment {
  return new SqlFragment(text);
}

/** Tagged template: interpolated values become literals; fragments are inserted as they are. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlFragment {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += literal(value).text + (strings[i + 1] ?? '');
  });
  return new SqlFragment(text);
}
