import type { Secret } from '../config/secret';
import { ConnectorError } from '../connector.errors';
import { TokenRequestError, type AuthProvider } from '../http/auth';
import type { HttpClient } from '../http/http-client';

/** A Tryton error answered as `{"error": [type, args]}` with HTTP 200 (UserError, ConcurrencyException…). */
export class TrytonRpcError extends ConnectorError {
  constructor(
    connectorId: string,
    readonly method: string,
    readonly errorType: string,
    readonly detail: string,
  ) {
    super(connectorId, `${method} failed: ${errorType}: ${detail}`);
  }
  get isConcurrency(): boolean {
    return this.errorType === 'ConcurrencyException';
  }
}

/** `common.db.login` once, then `Authorization: Session base64(user:uid:session)`; a 401 logs in again. */
export class TrytonSessionAuth implements AuthProvider {
  private session: Promise<string> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly database: string,
    private readonly username: string,
    private readonly password: Secret,
    private readonly timeoutMs = 15_000,
  ) {}

  async headers(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<Record<string, string>> {
    this.session ??= this.login(fetchImpl, signal).catch((error: unknown) => {
      this.session = undefined;
      throw error;
    });
    return { authorization: `Session ${await this.session}` };
  }

  invalidate(): void {
    this.session = undefined;
  }

  private async login(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const response = await fetchImpl(`${this.baseUrl}/${encodeURIComponent(this.database)}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 0,
        method: 'common.db.login',
        params: [this.username, { password: this.password.reveal() }, 'en'],
      }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const body = (await response.json().catch(() => ({}))) as { result?: unknown };
    if (!response.ok || !Array.isArray(body.result) || body.result.length < 2) {
      throw new TokenRequestError(response.status, `Tryton login as ${this.username} refused`);
    }
    const [uid, session] = body.result as [number, string];
    return Buffer.from(`${this.username}:${uid}:${session}`).toString('base64');
  }
}

const READ_METHODS = /\.(read|search|search_read|search_count|fields_get|get_preferences)$|^common\./;

/** JSON-RPC over the shared HTTP client. SQLite-backed Tryton is single-writer: callers call serially. */
export class TrytonRpcClient {
  private nextId = 1;
  private context: Promise<Record<string, unknown>> | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly database: string,
  ) {}

  async call(method: string, params: unknown[], signal?: AbortSignal): Promise<unknown> {
    return (await this.send(method, params, signal)).result;
  }

  /** A call's result and the server's clock when it answered (HTTP `Date`, whole seconds; ours if absent). */
  private async send(
    method: string,
    params: unknown[],
    signal?: AbortSignal,
  ): Promise<{ result: unknown; serverTimeMs: number }> {
    const response = await this.http.request({
      method: 'POST',
      path: `/${encodeURIComponent(this.database)}/`,
      json: { id: this.nextId++, method, params },
      idempotent: READ_METHODS.test(method),
      signal,
    });
    const body = response.body as { result?: unknown; error?: unknown } | undefined;
    if (body && 'error' in body && body.error) {
      const [type, args] = Array.isArray(body.error) ? (body.error as [unknown, unknown]) : [body.error, ''];
      throw new TrytonRpcError(this.http.connectorId, method, String(type), JSON.stringify(args).slice(0, 300));
    }
    if (!body || !('result' in body)) {
      throw new TrytonRpcError(this.http.connectorId, method, 'BadResponse', response.text.slice(0, 200));
    }
    const date = Date.parse(response.headers.get('date') ?? '');
    return { result: body.result, serverTimeMs: Number.isNaN(date) ? Date.now() : date };
  }

  /** The user's preferences, passed as context on every model call (company, language). */
  preferences(signal?: AbortSignal): Promise<Record<string, unknown>> {
    this.context ??= (
      this.call('model.res.user.get_preferences', [true, {}], signal) as Promise<Record<string, unknown>>
    ).catch((error: unknown) => {
      this.context = undefined;
      throw error;
    });
    return this.context;
  }

  refreshPreferences(): void {
    this.context = undefined;
  }

  async model(
    model: string,
    method: string,
    args: unknown[],
    extraContext: Record<string, unknown> = {},
    signal?: AbortSignal,
  ): Promise<unknown> {
    return (await this.modelAt(model, method, args, extraContext, signal)).result;
  }

  /** `model` with the server's clock when it answered: when the records read were read, to the second. */
  async modelAt(
    model: string,
    method: string,
    args: unknown[],
    extraContext: Record<string, unknown> = {},
    signal?: AbortSignal,
  ): Promise<{ result: unknown; serverTimeMs: number }> {
    const context = { ...(await this.preferences(signal)), ...extraContext };
    return this.send(`model.${model}.${method}`, [...args, context], signal);
  }
}

/** Tryton's JSON encoding of a UTC datetime. */
export function trytonDateTime(at: Date): Record<string, unknown> {
  return {
    __class__: 'datetime',
    year: at.getUTCFullYear(),
    month: at.getUTCMonth() + 1,
    day: at.getUTCDate(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
    second: at.getUTCSeconds(),
    microsecond: at.getUTCMilliseconds() * 1000,
  };
}
