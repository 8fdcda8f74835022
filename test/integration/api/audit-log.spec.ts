import request from 'supertest';
import { AuditService } from '../../../backend/src/modules/audit/audit.service';
import { INJECTION_PAYLOADS, QUERY_SHAPE_ATTACKS } from '../../fixtures/injection-payloads';
import { startApiApp, type ApiTestApp } from './support/api-app';
import { ProbeController } from './support/probe.controller';
import { nestRoutes } from './support/route-inventory';

interface Entry {
  id: string;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string | null;
  before: unknown;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

const FILTERS = ['actor', 'action', 'subjectType', 'subjectId', 'requestId', 'from', 'to'] as const;

describe('audit log: every mutation recorded, queryable with cursor pagination and allow-listed filters', () => {
  let t: ApiTestApp;
  let admin: { key: string; keyId: string };
  let steward: string;

  beforeAll(async () => {
    t = await startApiApp({ RATE_LIMIT_PER_MINUTE: '100000' }, { controllers: [ProbeController] });
    admin = await t.key(['admin']);
    steward = (await t.key(['steward'])).key;
  });

  afterAll(async () => {
    await t?.close();
  });

  const audit = (query: string, key = steward) => request(t.server).get(`/api/v1/audit${query}`).set('X-API-Key', key);
  const entriesFor = (requestId: string) =>
    t.sql<{ actor: string; action: string; subject_id: string; before: unknown; after: Record<string, unknown> }>(
      'SELECT actor, action, subject_id, before, after FROM audit_log WHERE request_id = $1',
      [requestId],
    );

  describe('recording', () => {
    it('records a generic entry for a mutation whose service records nothing, with secrets redacted', async () => {
      const engineer = await t.key(['engineer']);
      const res = await request(t.server)
        .post('/test-probe/things/order-42')
        .set('X-API-Key', engineer.key)
        .send({ status: 'closed', password: 'hunter2-secret', nested: { apiKey: 'dwk_x', note: 'fine' } })
        .expect(201);
      const rows = await entriesFor(res.headers['x-request-id']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actor: `api-key:${engineer.keyId}`,
        action: 'POST /test-probe/things/:id',
        subject_id: 'order-42',
        after: {
          params: { id: 'order-42' },
          body: { status: 'closed', password: '[redacted]', nested: { apiKey: '[redacted]', note: 'fine' } },
        },
      });
      expect(JSON.stringify(rows)).not.toContain('hunter2-secret');
    });

    it('keeps the explicit entry (with before/after) and adds no generic duplicate', async () => {
      const res = await request(t.server).post('/test-probe/explicit/f-1').set('X-API-Key', steward).expect(201);
      const rows = await entriesFor(res.headers['x-request-id']);
      expect(rows).toEqual([
        expect.objectContaining({ action: 'probe.approve', before: { status: 'open' }, after: { status: 'approved' } }),
      ]);
    });

    it('records nothing for a refused mutation', async () => {
      const viewer = await t.key(['viewer']);
      const res = await request(t.server)
        .post('/test-probe/things/x')
        .set('X-API-Key', viewer.key)
        .send({})
        .expect(403);
      expect(await entriesFor(res.headers['x-request-id'])).toEqual([]);
    });

    it('records API key creation and revocation with before/after and never the key', async () => {
      const created = await request(t.server)
        .post('/api/v1/api-keys')
        .set('X-API-Key', admin.key)
        .send({ name: 'grafana', roles: ['viewer'] })
        .expect(201);
      expect(created.body.key).toMatch(/^dwk_[0-9a-f]{12}_/);
      const id = created.body.apiKey.id as string;
      const [create] = await entriesFor(created.headers['x-request-id']);
      expect(create).toMatchObject({
        actor: `api-key:${admin.keyId}`,
        action: 'api-key.create',
        subject_id: id,
        before: null,
      });
      expect(create.after).toMatchObject({ name: 'grafana', roles: ['viewer'], status: 'active' });

      const revoked = await request(t.server).delete(`/api/v1/api-keys/${id}`).set('X-API-Key', admin.key).expect(200);
      expect(revoked.body.status).toBe('revoked');
      const [revoke] = await entriesFor(revoked.headers['x-request-id']);
      expect(revoke).toMatchObject({
        action: 'api-key.revoke',
        before: { status: 'active' },
        after: { status: 'revoked' },
      });

      const all = JSON.stringify(await t.sql('SELECT * FROM audit_log'));
      expect(all).not.toContain(created.body.key);
      const listed = await request(t.server).get('/api/v1/api-keys').set('X-API-Key', admin.key).expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
      expect(JSON.stringify(listed.body)).not.toMatch(/secret|hash/i);
    });

    it('refuses a route that declares no roles, and the route inventory flags it', async () => {
      const res = await request(t.server).get('/test-probe/undeclared').set('X-API-Key', admin.key).expect(403);
      expect(res.body.message).toMatch(/declares no access roles/);
      expect(
        nestRoutes(t.app)
          .filter((r) => r.access.kind === 'undeclared')
          .map((r) => r.path),
      ).toEqual(['/test-probe/undeclared']);
    });
  });

  describe('querying', () => {
    beforeAll(async () => {
      const service = t.app.get(AuditService);
      for (let i = 0; i < 130; i += 1) {
        await service.record({
          actor: `seed:${['alice', 'bob', 'carol'][i % 3]}`,
          action: i % 2 ? 'finding.triage' : 'fix-task.approve',
          subjectType: 'seed',
          subjectId: `s-${i}`,
          before: { n: i },
          after: { n: i + 1, note: i === 7 ? '=HYPERLINK("http://evil")' : 'ok' },
        });
      }
    });

    const walk = async (query: string, limit: number): Promise<Entry[]> => {
      const seen: Entry[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 100; page += 1) {
        const res: request.Response = await audit(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).expect(
          200,
        );
        seen.push(...(res.body.items as Entry[]));
        cursor = res.body.nextCursor;
        if (!cursor) return seen;
      }
      throw new Error('pagination did not end');
    };

    it('pages newest first through every entry exactly once', async () => {
      const [{ n }] = await t.sql<{ n: string }>(
        "SELECT count(*)::text AS n FROM audit_log WHERE subject_type = 'seed'",
      );
      const all = await walk('?subjectType=seed', 40);
      expect(all).toHaveLength(Number(n));
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      const ids = all.map((e) => BigInt(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    });

    it('pages by another sort key without gaps or repeats', async () => {
      const all = await walk('?subjectType=seed&sort=actor', 17);
      expect(all).toHaveLength(130);
      expect(new Set(all.map((e) => e.id)).size).toBe(130);
      expect(all.map((e) => e.actor)).toEqual([...all.map((e) => e.actor)].sort());
    });

    it('filters by actor, action, subject and time window', async () => {
      const bob = (await audit('?actor=seed:bob&limit=500').expect(200)).body.items as Entry[];
      expect(bob.length).toBe(43);
      expect(bob.every((e) => e.actor === 'seed:bob')).toBe(true);
      const triage = (await audit('?action=finding.triage&subjectType=seed&limit=500').expect(200)).body
        .items as Entry[];
      expect(triage).toHaveLength(65);
      const one = (await audit('?subjectType=seed&subjectId=s-5').expect(200)).body.items as Entry[];
      expect(one.map((e) => e.after)).toEqual([{ n: 6, note: 'ok' }]);
      const future = (
        await audit(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).expect(200)
      ).body;
      expect(future.items).toEqual([]);
      const past = (await audit('?to=2000-01-01T00:00:00Z').expect(200)).body;
      expect(past.items).toEqual([]);
    });

    it.each([
      ['?colour=red', 'colour', /not supported; allowed: actor, action/],
      ['?limit=0', 'limit', /between 1 and 500/],
      ['?limit=501', 'limit', /between 1 and 500/],
      ['?limit=ten', 'limit', /whole number/],
      ['?sort=secret_hash', 'sort', /must be one of at, -at/],
      ['?sort=-id;DROP', 'sort', /must be one of/],
      ['?from=yesterday', 'from', /ISO 8601/],
      ['?to=2024-01-01T00:00:00', 'to', /ISO 8601/],
      ['?cursor=%%%', 'cursor', /not a cursor/],
      ['?cursor=WyJhdCIsImRlc2MiLCJ4IiwieCJd', 'cursor', /not a cursor/],
      ['?actor=', 'actor', /1 to 200 characters/],
      ['?actor=a&actor=b', 'actor', /given once/],
    ])('answers %s with a 400 naming %s', async (query, field, message) => {
      const res = await audit(query).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', field });
      expect(res.body.message).toMatch(message);
      expect(res.body.message).toContain(field);
    });

    it('refuses a cursor issued for a different sort', async () => {
      const first = await audit('?subjectType=seed&limit=5&sort=at').expect(200);
      const res = await audit(`?subjectType=seed&limit=5&sort=actor&cursor=${first.body.nextCursor}`).expect(400);
      expect(res.body).toMatchObject({ field: 'cursor' });
    });

    it('exports CSV with the same filters, neutralising spreadsheet formulas', async () => {
      const res = await request(t.server)
        .get('/api/v1/audit/export?subjectType=seed&sort=at')
        .set('X-API-Key', steward)
        .expect(200)
        .expect('content-type', /text\/csv/);
      const lines = res.text.trimEnd().split('\r\n');
      expect(lines[0]).toBe('id,at,actor,action,subject_type,subject_id,request_id,before,after');
      expect(lines).toHaveLength(131);
      expect(lines[1]).toMatch(/,seed:alice,fix-task.approve,seed,s-0,,/);
      const formula = lines.find((l) => l.includes(',s-7,'));
      expect(formula).toContain('"{""n"":8,""note"":""=HYPERLINK');
      expect(formula).not.toMatch(/,=HYPERLINK/);
      const bad = await request(t.server).get('/api/v1/audit/export?nope=1').set('X-API-Key', steward).expect(400);
      expect(bad.body.field).toBe('nope');
    });

    it('is closed to viewers and engineers', async () => {
      for (const role of ['viewer', 'engineer'] as const) {
        await audit('', (await t.key([role])).key).expect(403);
      }
    });
  });

  describe('injection corpus through every filter parameter', () => {
    it(`has no effect and answers 200 or a clean 400 for ${INJECTION_PAYLOADS.length} payloads × ${FILTERS.length} filters`, async () => {
      const [{ before }] = await t.sql<{ before: string }>('SELECT count(*)::text AS before FROM audit_log');
      const problems: string[] = [];
      const statuses: Record<number, number> = {};
      const check = async (field: string, payload: string): Promise<void> => {
        const res = await audit('').query({ [field]: payload });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const label = `${field}=${JSON.stringify(payload.slice(0, 40))}`;
        if (res.status === 400) {
          if (res.body.field !== field) problems.push(`${label}: 400 names ${res.body.field}`);
          if (JSON.stringify(res.body).includes('"stack"')) problems.push(`${label}: stack in body`);
        } else if (res.status === 200) {
          // Only exact matches of the literal value may come back; no stored row has such a value.
          const items = res.body.items as Entry[];
          const leaked = ['actor', 'action', 'subjectType', 'subjectId', 'requestId'].includes(field)
            ? items.filter((e) => e[field as keyof Entry] !== payload)
            : [];
          if (leaked.length) problems.push(`${label}: returned ${leaked.length} non-matching rows`);
        } else {
          problems.push(`${label}: status ${res.status}`);
        }
      };
      const cases = [
        ...FILTERS.flatMap((field) => INJECTION_PAYLOADS.map((payload) => [field, payload] as const)),
        // The pagination parameters accept a fixed shape; every third payload is plenty for them.
        ...['sort', 'cursor', 'limit'].flatMap((field) =>
          INJECTION_PAYLOADS.filter((_, i) => i % 3 === 0).map((payload) => [field, payload] as const),
        ),
      ];
      // A few requests in flight at once keeps this to seconds on a shared machine.
      for (let i = 0; i < cases.length; i += 12) {
        await Promise.all(cases.slice(i, i + 12).map(([field, payload]) => check(field, payload)));
      }
      for (const field of [...FILTERS, 'sort', 'cursor', 'limit']) {
        for (const shape of QUERY_SHAPE_ATTACKS(field)) {
          const res = await request(t.server).get(`/api/v1/audit?${shape}`).set('X-API-Key', steward);
          if (res.status !== 400) problems.push(`${shape}: status ${res.status}`);
        }
      }
      expect(problems).toEqual([]);
      expect(statuses[400]).toBeGreaterThan(1000);
      const [{ after }] = await t.sql<{ after: string }>('SELECT count(*)::text AS after FROM audit_log');
      expect(after).toBe(before);
      const tables = await t.sql<{ n: string }>(
        "SELECT count(*)::text AS n FROM information_schema.tables WHERE table_name IN ('audit_log', 'api_keys')",
      );
      expect(tables[0].n).toBe('2');
    }, 180_000);
  });
});
