import Bottleneck from 'bottleneck';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  handleType,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import {
  ConnectorAuthError,
  ConnectorCircuitOpenError,
  ConnectorHttpError,
  ConnectorUnavailableError,
} from '../connector.errors';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { NoAuth, TokenRequestError, type AuthProvider } from './auth';
import { DEFAULT_RETRY, backoffDelayMs, parseRetryAfterMs, sleep, type RetryOptions } from './backoff';

export interface RateLimitOptions {
  /** Requests in flight at once. */
  maxConcurrent: number;
  /** Sustained requests per second (token bucket refilled every second). */
  perSecond: number;
}

export interface BreakerOptions {
  /** Consecutive failed attempts (5xx, timeouts, dropped connections) that open the circuit. */
  consecutiveFailures: number;
  /** How long the circuit stays open before one trial request is let through. */
  halfOpenAfterMs: number;
}

export interface HttpClientOptions {
  connectorId: string;
  baseUrl: string;
  auth?: AuthProvider;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  rateLimit?: Partial<RateLimitOptions>;
  breaker?: Partial<BreakerOptions>;
  metrics?: ConnectorMetrics;
  fetch?: typeof fetch;
  random?: () => number;
  /** Vendor throttling that is not a 429 (Salesforce: 403 REQUEST_LIMIT_EXCEEDED); treated like 429. */
  isThrottled?: (response: HttpResponse) => boolean;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the base URL, or absolute (next-page links). */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  /** Statuses returned to the caller instead of thrown (e.g. 404, 409, 412). 2xx are always returned. */
  accept?: number[];
  /** Safe to send again after a timeout or 5xx. GET/PUT/DELETE are; POST/PATCH only when the caller says. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /**
   * Called once the request is on its way (past the rate limiter and auth, and handed to fetch, which
   * writes it to a kept-alive connection on microtasks; a new connection still needs the event loop to
   * connect). A caller that reads ahead waits for this before CPU-bound work: until then the request
   * is only queued, and it is not sent while the event loop is busy.
   */
  onSent?: () => void;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** A failed attempt that may succeed on another try. */
class TransientFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'http_5xx' | 'http_429',
    message: string,
    readonly retryAfterMs?: number,
    readonly response?: HttpResponse,
  ) {
    super(message);
  }
}

/**
 * The one HTTP client every HTTP connector uses: timeouts, retries with full-jitter backoff honouring
 * `Retry-After`, a circuit breaker, a client-side rate limit, auth with refresh on 401, and metrics.
 */
export class HttpClient {
  readonly connectorId: string;
  private readonly auth: AuthProvider;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly limiter: Bottleneck;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly metrics: ConnectorMetrics;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;
  private readonly isThrottled: (response: HttpResponse) => boolean;
  baseUrl: string;

  constructor(options: HttpClientOptions) {
    this.connectorId = options.connectorId;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.auth = options.auth ?? new NoAuth();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    const rate = { maxConcurrent: 4, perSecond: 50, ...options.rateLimit };
    this.limiter = new Bottleneck({
      maxConcurrent: rate.maxConcurrent,
      reservoir: rate.perSecond,
      reservoirRefreshAmount: rate.perSecond,
      reservoirRefreshInterval: 1000,
    });
    const breaker = { consecutiveFailures: 5, halfOpenAfterMs: 10_000, ...options.breaker };
    this.breaker = circuitBreaker(
      handleType(TransientFailure, (e) => e.kind !== 'http_429'),
      {
        halfOpenAfter: breaker.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breaker.consecutiveFailures),
      },
    );
    this.metrics = options.metrics ?? connectorMetrics();
    this.fetchImpl = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
    this.isThrottled = options.isThrottled ?? (() => false);
  }

  /** For connectors that need the raw fetch (token endpoints share the timeout and metrics poorly). */
  get fetch(): typeof fetch {
    return this.fetchImpl;
  }

  get circuitState(): 'closed' | 'open' | 'half-open' | 'isolated' {
    const state = this.breaker.state as number;
    return (['closed', 'open', 'half-open', 'isolated'] as const)[state] ?? 'closed';
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const idempotent = request.idempotent ?? ['GET', 'PUT', 'DELETE'].includes(request.method);
    let refreshedAuth = false;
    for (let attempt = 0; ; attempt++) {
      let response: HttpResponse;
      try {
        response = await this.breaker.execute(() => this.limiter.schedule(() => this.attempt(request)));
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          this.metrics.errors.inc({ connector: this.connectorId, kind: 'circuit_open' });
          throw new ConnectorCircuitOpenError(
            this.connectorId,
            `circuit open: ${request.method} ${request.path} refused`,
          );
        }
        if (!(error instanceof TransientFailure)) throw error;
        this.metrics.errors.inc({ connector: this.connectorId, kind: error.kind });
        // 429 means the request was not processed, so even a POST may be sent again.
        const mayRetry = idempotent || error.kind === 'http_429';
        const last = attempt + 1 >= this.retry.maxAttempts;
        if (!mayRetry || last || (error.retryAfterMs ?? 0) > this.retry.maxRetryAfterMs) {
          throw this.finalError(request, error);
        }
        await sleep(error.retryAfterMs ?? backoffDelayMs(attempt, this.retry, this.random), request.signal);
        continue;
      }
      if (response.status === 401 && !request.accept?.includes(401)) {
        this.metrics.errors.inc({ connector: this.connectorId, kind: 'auth' });
        if (refreshedAuth) {
          throw new ConnectorAuthError(
            this.connectorId,
            `credentials refused after a fresh token: ${request.method} ${request.path}`,
          );
        }
        refreshedAuth = true;
        this.auth.invalidate();
        attempt--;
        continue;
      }
      if ((response.status >= 200 && response.status < 300) || request.accept?.includes(response.status))
        return response;
      throw new ConnectorHttpError(
        this.connectorId,
        request.method,
        request.path,
        response.status,
        response.text.slice(0, 300),
      );
    }
  }

  /** GET and parse JSON, throwing on anything but 2xx. */
  async getJson(path: string, query?: HttpRequest['query'], signal?: AbortSignal): Promise<unknown> {
    return (await this.request({ method: 'GET', path, query, signal })).body;
  }

  private finalError(request: HttpRequest, failure: TransientFailure): Error {
    if (failure.response) {
      return new ConnectorHttpError(
        this.connectorId,
        request.method,
        request.path,
        failure.response.status,
        failure.response.text.slice(0, 300),
        failure.retryAfterMs,
      );
    }
    return new ConnectorUnavailableError(this.connectorId, `${request.method} ${request.path}: ${failure.message}`, {
      cause: failure,
    });
  }

  private url(request: HttpRequest): string {
    const url = new URL(
      /^https?:\/\//.test(request.path)
        ? request.path
        : `${this.baseUrl}${request.path.startsWith('/') ? '' : '/'}${request.path}`,
    );
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private async attempt(request: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const started = performance.now();
    const labels = { connector: this.connectorId, method: request.method };
    try {
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(await this.auth.headers(this.fetchImpl, signal)),
        ...request.headers,
      };
      if (request.json !== undefined) headers['content-type'] ??= 'application/json';
      const sending = this.fetchImpl(this.url(request), {
        method: request.method,
        headers,
        body: request.json === undefined ? undefined : JSON.stringify(request.json),
        signal,
      });
      if (request.onSent) setImmediate(request.onSent);
      const raw = await sending;
      // Reading the body is part of the attempt: a connection dropped mid-body is retried like any other.
      const text = await raw.text();
      const response: HttpResponse = {
        status: raw.status,
        headers: raw.headers,
        text,
        body: parseJson(text, raw.headers),
      };
      this.metrics.requests.inc({ ...labels, status: String(raw.status) });
      const throttled = raw.status === 429 || this.isThrottled(response);
      if (throttled || RETRYABLE_STATUS.has(raw.status)) {
        throw new TransientFailure(
          throttled ? 'http_429' : 'http_5xx',
          `answered ${raw.status}`,
          parseRetryAfterMs(raw.headers.get('retry-after')),
          response,
        );
      }
      return response;
    } catch (error) {
      if (error instanceof TransientFailure) throw error;
      if (request.signal?.aborted) throw request.signal.reason;
      if (error instanceof TokenRequestError) {
        this.metrics.errors.inc({ connector: this.connectorId, kind: 'auth' });
        throw new ConnectorAuthError(this.connectorId, error.message, { cause: error });
      }
      this.metrics.requests.inc({ ...labels, status: 'network' });
      if (timeout.aborted) throw new TransientFailure('timeout', `no answer within ${this.timeoutMs} ms`);
      // fetch signals refused/reset/truncated connections with a TypeError (from undici's realm, so
      // not `instanceof` here under jest); anything fetch throws that is not the caller's abort is network.
      throw new TransientFailure('network', describeNetworkError(error));
    } finally {
      this.metrics.latency.observe(labels, (performance.now() - started) / 1000);
    }
  }
}

function parseJson(text: string, headers: Headers): unknown {
  if (text === '') return undefined;
  const type = headers.get('content-type') ?? '';
  if (!type.includes('json') && !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return [error instanceof Error ? error.message : String(error), cause?.code ?? cause?.message]
    .filter(Boolean)
    .join(': ');
}
