const SQL_EXCERPT = 400;

/** A ClickHouse call failed; carries the query tag so logs and callers can tell which query. */
export class ClickHouseQueryError extends Error {
  constructor(
    readonly tag: string,
    readonly queryId: string,
    readonly code: string | undefined,
    cause: unknown,
    readonly sqlExcerpt: string,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`ClickHouse query [${tag}] failed${code ? ` (code ${code})` : ''}: ${reason}`, { cause });
    this.name = 'ClickHouseQueryError';
  }

  static from(tag: string, queryId: string, cause: unknown, sqlText: string): ClickHouseQueryError {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
    return new ClickHouseQueryError(tag, queryId, code, cause, sqlText.slice(0, SQL_EXCERPT));
  }
}

/** ClickHouse cannot be reached at all: the message says where and how to start it. */
export class ClickHouseUnavailableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `ClickHouse is not reachable at ${url}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Start it with `npm run services:up` or point CLICKHOUSE_URL at a running server.',
      { cause },
    );
    this.name = 'ClickHouseUnavailableError';
  }
}
