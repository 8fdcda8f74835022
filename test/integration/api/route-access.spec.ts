import request from 'supertest';
import { ROLES, satisfies, type Role } from '../../../backend/src/modules/auth/roles';
import { startApiApp, type ApiTestApp } from './support/api-app';
import { expressRoutes, nestRoutes, type InventoryRoute } from './support/route-inventory';

// Served by Swagger directly on the adapter, outside Nest's router: documentation is public.
const DOCUMENTATION = /^\/api\/docs(-json|-yaml)?(\/.*)?$/;
// Nest's own catch-all that answers 404 for unknown paths.
const NOT_FOUND_HANDLER = '/{*path}';
const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Whether the access guard (not the handler) refused the request. Handlers may answer 401/403 on
 * their own (Slack signature checks on a public route); those are not the guard's doing.
 */
function refusal(res: request.Response): 401 | 403 | null {
  const message = (res.body as { message?: unknown } | undefined)?.message;
  if (res.status === 401 && /realm="driftwatch"/.test(String(res.headers['www-authenticate']))) return 401;
  if (res.status === 403 && /requires role|declares no access roles/.test(String(message))) return 403;
  return null;
}

const concrete = (path: string): string => path.replace(/:(\w+)/g, SAMPLE_ID);

describe('every route declares its roles, and the guard enforces them (route × role matrix)', () => {
  let t: ApiTestApp;
  let routes: InventoryRoute[];
  const keys = {} as Record<Role, string>;

  beforeAll(async () => {
    t = await startApiApp({ RATE_LIMIT_PER_MINUTE: '100000' });
    routes = nestRoutes(t.app);
    for (const role of ROLES) keys[role] = (await t.key([role])).key;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('finds the routes (the inventory itself works)', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /health/live',
        'GET /metrics',
        'POST /api/v1/api-keys',
        'DELETE /api/v1/api-keys/:id',
        'GET /api/v1/audit',
      ]),
    );
  });

  it('has no route without @Roles or @Public', () => {
    const undeclared = routes
      .filter((r) => r.access.kind === 'undeclared')
      .map((r) => `${r.method} ${r.path} (${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('has no Express route outside Nest except the public API documentation', () => {
    const known = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const stray = expressRoutes(t.app)
      .filter((r) => !known.has(`${r.method} ${r.path}`) && !DOCUMENTATION.test(r.path) && r.path !== NOT_FOUND_HANDLER)
      .map((r) => `${r.method} ${r.path}`);
    expect(stray).toEqual([]);
  });

  it('answers every route × credential as declared: 401 without credentials, 403 below the role, through above it', async () => {
    const mismatches: string[] = [];
    for (const route of routes) {
      for (const who of ['anonymous', ...ROLES] as const) {
        const req = request(t.server)[route.method.toLowerCase() as 'get'](concrete(route.path));
        if (who !== 'anonymous') void req.set('X-API-Key', keys[who]);
        if (['POST', 'PUT', 'PATCH'].includes(route.method)) void req.send({});
        const res = await req;
        let expected: 'through' | 401 | 403;
        if (route.access.kind === 'public') expected = 'through';
        else if (route.access.kind === 'undeclared') expected = 403;
        // supertest connects from loopback, where /metrics is open by default.
        else if (route.access.loopbackPublic) expected = 'through';
        else if (who === 'anonymous') expected = 401;
        else expected = satisfies([who], route.access.roles) ? 'through' : 403;
        const guard = refusal(res);
        const ok = expected === 'through' ? guard === null : guard === expected;
        if (!ok) mismatches.push(`${route.method} ${route.path} as ${who}: expected ${expected}, got ${res.status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('records an audit entry for every mutation that succeeded', async () => {
    const unaudited: string[] = [];
    for (const route of routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))) {
      const req = request(t.server)
        [route.method.toLowerCase() as 'post'](concrete(route.path))
        .set('X-API-Key', keys.admin);
      const res = await (route.method === 'DELETE' ? req : req.send({}));
      if (res.status >= 300) continue;
      const rows = await t.sql('SELECT 1 FROM audit_log WHERE request_id = $1', [res.headers['x-request-id']]);
      if (!rows.length) unaudited.push(`${route.method} ${route.path}`);
    }
    expect(unaudited).toEqual([]);
  });
});
