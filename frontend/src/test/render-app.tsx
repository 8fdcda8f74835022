import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { MemoryRouter, useLocation, useRoutes, type Location } from 'react-router';
import { credentialStore } from '../api/credential-store';
import type { Role } from '../api/current-role';
import { routes } from '../router';

export interface FakeCall {
  method: string;
  url: URL;
  body: unknown;
}

/** Answers keyed by "METHOD /path"; a function gets the call. Unknown routes answer 404 like Nest does. */
export type Answers = Record<string, unknown>;

class Failure {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
class PlainText {
  constructor(readonly text: string) {}
}
/** A non-JSON answer (e.g. a CSV export), sent as is. */
export const plainText = (text: string) => new PlainText(text);

/** An error answer in the API's error shape. */
export const failing = (status: number, message: string, requestId = 'req-1') =>
  new Failure(status, { statusCode: status, message, requestId });

/**
 * Renders the app at `path`, signed in with `role`, with `fetch` answering from `answers` (called with
 * a Request by the typed API client, with a URL and init by the rest).
 */
export function renderApp(path: string, answers: Answers, role: Role = 'admin') {
  const calls: FakeCall[] = [];
  globalThis.fetch = jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(
      input instanceof URL ? input.href : typeof input === 'string' ? input : input.url,
      'http://dashboard.test',
    );
    const method = request?.method ?? init?.method ?? 'GET';
    const sent = request ? await request.text() : typeof init?.body === 'string' ? init.body : '';
    const body: unknown = sent ? JSON.parse(sent) : undefined;
    calls.push({ method, url, body });
    const key = `${method} ${url.pathname}`;
    const found = key in answers;
    let value = found ? answers[key] : { statusCode: 404, message: `Cannot ${method} ${url.pathname}` };
    if (typeof value === 'function') value = (value as (c: FakeCall) => unknown)({ method, url, body });
    let status = !found ? 404 : value === undefined ? 204 : 200;
    if (value instanceof Failure) {
      status = value.status;
      value = value.body;
    }
    const text = value instanceof PlainText ? value.text : value === undefined ? '' : JSON.stringify(value);
    const type = value instanceof PlainText ? 'text/plain' : 'application/json';
    return new Response(status === 204 ? null : text, { status, headers: { 'content-type': type } });
  }) as typeof fetch;
  credentialStore.set('dwk_test_credential');
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(['session', 'role'], role);
  const location: { current?: Location } = {};
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <App location={location} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { calls, location };
}

// A data router builds fetch Requests on navigation, which jsdom lacks; the route table is the same.
function App({ location }: { location: { current?: Location } }) {
  location.current = useLocation();
  return useRoutes(routes);
}
