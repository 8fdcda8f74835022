/**
 * Fetch with the signed-in credential attached and errors that say what failed: under the typed API
 * client (api-client.ts), and for what it does not cover (readiness, CSV downloads).
 */
import { credentialStore } from './credential-store';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
    /** The parameter or field the API named as the problem, when it named one. */
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The route does not exist on this backend (an endpoint that has not been built yet). */
  get notAvailable(): boolean {
    return this.status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE) /.test(this.message);
  }
}

/** Accept JSON (unless `init` says otherwise) and the signed-in credential. */
export function headers(init?: RequestInit): Record<string, string> {
  const result: Record<string, string> = { accept: 'application/json' };
  const credential = credentialStore.get();
  if (credential) result.authorization = `Bearer ${credential}`;
  return { ...result, ...(init?.headers as Record<string, string> | undefined) };
}

/** The ApiError for a failed answer (and a 401 signs the credential out). */
export async function errorOf(res: Response, path: string): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => undefined);
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const message = typeof record.message === 'string' ? record.message : res.statusText || `HTTP ${res.status}`;
  const field = typeof record.field === 'string' ? record.field : undefined;
  const requestId = typeof record.requestId === 'string' ? record.requestId : undefined;
  if (res.status === 401) credentialStore.rejected();
  return new ApiError(res.status, path, message, field, requestId);
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: headers(init) });
  // Readiness answers 503 with the same body shape as 200: the badge shows which store is down.
  if (!res.ok && !(res.status === 503 && path.startsWith('/health'))) throw await errorOf(res, path);
  return (await res.json()) as T;
}

/** A text download (e.g. CSV) with the signed-in credential attached; errors as for JSON. */
export async function getText(path: string, accept: string): Promise<string> {
  const res = await fetch(path, { headers: headers({ headers: { accept } }) });
  if (!res.ok) throw await errorOf(res, path);
  return res.text();
}

/**
 * A query string of the set, non-empty scalar values only (an empty filter means no filter, not
 * `name=`); the typed API client serialises with it too.
 */
export function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value !== '')) {
      params.set(name, String(value));
    }
  }
  return params.toString();
}

/** Builds `path?query` (see queryString). */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const text = queryString(query);
  return text ? `${path}?${text}` : path;
}
