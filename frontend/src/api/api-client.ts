/**
 * The typed way to the product API: paths, path and query parameters, bodies and answers are checked
 * at compile time against the generated OpenAPI types (openapi-fetch over `openapi.gen.ts`). The
 * credential, `Accept` and error handling are those of http-client: a failed answer rejects with ApiError.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { errorOf, headers, queryString } from './http-client';
import type { paths } from './openapi.gen';

const credentialAndErrors: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(headers())) request.headers.set(name, value);
    return request;
  },
  async onResponse({ request, response }) {
    if (!response.ok) throw await errorOf(response, new URL(request.url).pathname);
    return undefined;
  },
};

export const api = createClient<paths>({
  // The API is served where the dashboard is (or proxied there by Vite); absolute because a Request
  // outside a browser (tests) takes no relative URL.
  baseUrl: globalThis.location.origin,
  querySerializer: queryString,
  // Looked up per call, so that the fetch in use (a test's stand-in) is the one called.
  fetch: (request) => globalThis.fetch(request),
});
api.use(credentialAndErrors);

/** The answer of a call through `api`: failures have already rejected (see the middleware). */
export async function answer<T>(call: Promise<{ data?: T; error?: unknown }>): Promise<T> {
  const { data } = await call;
  return data as T;
}
