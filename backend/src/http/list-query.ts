import { applyDecorators, BadRequestException } from '@nestjs/common';
import { ApiBadRequestResponse, ApiQuery } from '@nestjs/swagger';
import { ZONED_ISO_8601 } from './zoned-date-time';

/**
 * Cursor pagination with filters and sort keys from allow-lists, shared by every list endpoint.
 * A list endpoint declares its parameters once (`defineListQuery`), gets a parser that turns the raw
 * query string into typed values or a 400 naming the bad parameter, and OpenAPI docs for free.
 * Values only ever reach SQL as bound parameters; column names come from the repository's own map.
 */

export type FilterSpec =
  | { type: 'string'; pattern?: RegExp; maxLength?: number; description?: string }
  | { type: 'enum'; values: readonly string[]; description?: string }
  | { type: 'datetime'; description?: string }
  | { type: 'int'; min?: number; max?: number; description?: string };

type FilterValue<S extends FilterSpec> = S extends { type: 'datetime' }
  ? Date
  : S extends { type: 'int' }
    ? number
    : string;

export interface ListQuery<F extends Record<string, FilterSpec>, K extends string> {
  filters: { [P in keyof F]?: FilterValue<F[P]> };
  sort: { key: K; direction: 'asc' | 'desc' };
  limit: number;
  /** Position after which the page starts: the last row's sort value and id. */
  after?: { value: string; id: string };
}

/**
 * What a cursor part is bound to SQL as. A cursor comes back from the client, which can edit it: each part
 * is checked against this before it reaches the database, so a tampered cursor is a 400, not a failed cast.
 * A RegExp is a text value that must match it.
 */
export type CursorPart = 'timestamp' | 'integer' | 'float' | 'text' | 'uuid' | 'bigint' | RegExp;

export interface ListQuerySpec<F extends Record<string, FilterSpec>, K extends string> {
  filters: F;
  sortKeys: readonly [K, ...K[]];
  defaultSort: K | `-${K}`;
  defaultLimit?: number;
  maxLimit?: number;
  /** The form of the cursor's sort value under each sort key, and of its row id (the tie-breaker). */
  cursor: { values: Record<K, CursorPart>; id: CursorPart };
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** A 400 that names the parameter at fault; never echoes the value (it may be a secret or a payload). */
export class InvalidQueryParameterError extends BadRequestException {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super({ statusCode: 400, error: 'Bad Request', message: `query parameter '${field}' ${problem}`, field });
  }
}

/** The same 400 for a parameter in the path (`/customers/:customerNumber`). */
export class InvalidPathParameterError extends BadRequestException {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super({ statusCode: 400, error: 'Bad Request', message: `path parameter '${field}' ${problem}`, field });
  }
}

const RESERVED = ['sort', 'limit', 'cursor'] as const;
const MAX_STRING = 200;

export class ListQueryDefinition<F extends Record<string, FilterSpec>, K extends string> {
  readonly defaultLimit: number;
  readonly maxLimit: number;

  constructor(readonly spec: ListQuerySpec<F, K>) {
    this.defaultLimit = spec.defaultLimit ?? 50;
    this.maxLimit = spec.maxLimit ?? 500;
    for (const name of Object.keys(spec.filters)) {
      if ((RESERVED as readonly string[]).includes(name)) throw new Error(`filter name ${name} is reserved`);
    }
  }

  /** Parses `req.query`; throws InvalidQueryParameterError naming the first bad parameter. */
  parse(query: unknown): ListQuery<F, K> {
    const raw = (query ?? {}) as Record<string, unknown>;
    const allowed = [...Object.keys(this.spec.filters), ...RESERVED];
    for (const name of Object.keys(raw)) {
      if (!allowed.includes(name)) {
        throw new InvalidQueryParameterError(
          safeParameterName(name),
          `is not supported; allowed: ${allowed.join(', ')}`,
        );
      }
    }
    const single = (name: string): string | undefined => {
      const value = raw[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw new InvalidQueryParameterError(name, 'must be given once, as plain text');
      return value;
    };

    const filters: Record<string, unknown> = {};
    for (const [name, filter] of Object.entries(this.spec.filters)) {
      const value = single(name);
      if (value === undefined) continue;
      filters[name] = parseFilter(name, filter, value);
    }

    const sortText = single('sort') ?? this.spec.defaultSort;
    const direction: 'asc' | 'desc' = sortText.startsWith('-') ? 'desc' : 'asc';
    const key = sortText.replace(/^-/, '');
    if (!(this.spec.sortKeys as readonly string[]).includes(key)) {
      throw new InvalidQueryParameterError(
        'sort',
        `must be one of ${this.spec.sortKeys.map((k) => `${k}, -${k}`).join(', ')}`,
      );
    }

    const limitText = single('limit');
    let limit = this.defaultLimit;
    if (limitText !== undefined) {
      if (!/^\d{1,6}$/.test(limitText)) throw new InvalidQueryParameterError('limit', 'must be a whole number');
      limit = Number(limitText);
      if (limit < 1 || limit > this.maxLimit) {
        throw new InvalidQueryParameterError('limit', `must be between 1 and ${this.maxLimit}`);
      }
    }

    const cursorText = single('cursor');
    const sort = { key: key as K, direction };
    const after = cursorText === undefined ? undefined : decodeCursor(cursorText, sort, this.spec.cursor);
    return { filters: filters as ListQuery<F, K>['filters'], sort, limit, after };
  }

  /** Builds the page from `limit + 1` fetched rows (the extra row only tells whether more exist). */
  page<T>(rows: T[], query: ListQuery<F, K>, position: (row: T) => { value: string; id: string }): Page<T> {
    const items = rows.slice(0, query.limit);
    const more = rows.length > query.limit;
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor(query.sort, position(last)) : null };
  }

  /** OpenAPI parameters for the list endpoint. */
  apiQueries(): MethodDecorator {
    const filters = Object.entries(this.spec.filters).map(([name, filter]) =>
      ApiQuery({
        name,
        required: false,
        description: filter.description,
        ...(filter.type === 'enum'
          ? { enum: [...filter.values] }
          : filter.type === 'int'
            ? { type: Number }
            : filter.type === 'datetime'
              ? { type: String, format: 'date-time' }
              : { type: String }),
      }),
    );
    return applyDecorators(
      ...filters,
      ApiQuery({
        name: 'sort',
        required: false,
        enum: this.spec.sortKeys.flatMap((k) => [k, `-${k}`]),
        description: `Sort key; a leading '-' sorts descending. Default ${this.spec.defaultSort}.`,
      }),
      ApiQuery({
        name: 'limit',
        required: false,
        type: Number,
        description: `1 to ${this.maxLimit}, default ${this.defaultLimit}.`,
      }),
      ApiQuery({ name: 'cursor', required: false, type: String, description: 'nextCursor from the previous page.' }),
      ApiBadRequestResponse({ description: 'A parameter is unknown or invalid; `field` names it.' }),
    );
  }
}

export const defineListQuery = <F extends Record<string, FilterSpec>, K extends string>(
  spec: ListQuerySpec<F, K>,
): ListQueryDefinition<F, K> => new ListQueryDefinition(spec);

export function parseFilter(name: string, filter: FilterSpec, value: string): unknown {
  switch (filter.type) {
    case 'string': {
      const max = filter.maxLength ?? MAX_STRING;
      if (value.length === 0 || value.length > max) {
        throw new InvalidQueryParameterError(name, `must be 1 to ${max} characters`);
      }
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(value))
        throw new InvalidQueryParameterError(name, 'must not contain control characters');
      if (filter.pattern && !filter.pattern.test(value)) {
        throw new InvalidQueryParameterError(name, `must match ${String(filter.pattern)}`);
      }
      return value;
    }
    case 'enum':
      if (!filter.values.includes(value)) {
        throw new InvalidQueryParameterError(name, `must be one of ${filter.values.join(', ')}`);
      }
      return value;
    case 'datetime': {
      const date = new Date(value);
      if (!ZONED_ISO_8601.test(value) || Number.isNaN(date.getTime()) || !hasRealCalendarFields(value)) {
        throw new InvalidQueryParameterError(name, 'must be an ISO 8601 date or date-time with time zone');
      }
      return date;
    }
    case 'int': {
      if (!/^-?\d{1,15}$/.test(value)) throw new InvalidQueryParameterError(name, 'must be a whole number');
      const n = Number(value);
      if ((filter.min !== undefined && n < filter.min) || (filter.max !== undefined && n > filter.max)) {
        throw new InvalidQueryParameterError(name, `must be between ${filter.min ?? '-∞'} and ${filter.max ?? '∞'}`);
      }
      return n;
    }
  }
}

/**
 * The date and time fields of an ISO 8601 text are real: year 1 or later (the databases have no year 0),
 * no 31 February, no 24:00. `new Date()` would roll those over silently; the databases refuse them.
 */
function hasRealCalendarFields(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= lastDay.getUTCDate() &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

// A parameter name is attacker-chosen too: keep the part we name in the error short and plain.
export const safeParameterName = (name: string): string => name.replace(/[^\w.[\]$-]/g, '?').slice(0, 64);

function encodeCursor(sort: { key: string; direction: string }, at: { value: string; id: string }): string {
  return Buffer.from(JSON.stringify([sort.key, sort.direction, at.value, at.id]), 'utf8').toString('base64url');
}

function decodeCursor<K extends string>(
  text: string,
  sort: { key: K; direction: string },
  parts: ListQuerySpec<Record<string, FilterSpec>, K>['cursor'],
): { value: string; id: string } {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(text)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidQueryParameterError('cursor', 'is not a cursor returned by this endpoint');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    !parsed.every((part) => typeof part === 'string' && part.length <= 256)
  ) {
    throw new InvalidQueryParameterError('cursor', 'is not a cursor returned by this endpoint');
  }
  const [key, direction, value, id] = parsed as string[];
  if (key !== sort.key || direction !== sort.direction) {
    throw new InvalidQueryParameterError('cursor', 'was issued for a different sort; start again without a cursor');
  }
  if (!isCursorPart(value, parts.values[sort.key]) || !isCursorPart(id, parts.id)) {
    throw new InvalidQueryParameterError('cursor', 'is not a cursor returned by this endpoint');
  }
  return { value, id };
}

const INT4_MAX = 2_147_483_647;
const INT8_MAX = 9_223_372_036_854_775_807n;
// The form every list repository gives its timestamps (to_char ... 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"').
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FLOAT = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function isCursorPart(text: string, part: CursorPart): boolean {
  // Postgres text holds no NUL; other control characters can be real data (a match key), so they pass.
  if (text.includes('\u0000')) return false;
  if (part instanceof RegExp) return part.test(text);
  switch (part) {
    case 'timestamp':
      return TIMESTAMP.test(text) && hasRealCalendarFields(text);
    case 'integer':
      return /^-?\d{1,10}$/.test(text) && Math.abs(Number(text)) <= INT4_MAX;
    case 'bigint':
      return /^\d{1,19}$/.test(text) && BigInt(text) <= INT8_MAX;
    case 'float':
      return FLOAT.test(text) && Number.isFinite(Number(text));
    case 'uuid':
      return UUID.test(text);
    case 'text':
      return true;
  }
}
