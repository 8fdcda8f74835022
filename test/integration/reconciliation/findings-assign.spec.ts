import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { FindingObservation } from '../../../backend/src/modules/findings/finding';
import { findingId } from '../../../backend/src/modules/findings/finding';
import { MAX_ASSIGN } from '../../../backend/src/modules/findings/findings.dto';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';

interface FindingItem {
  id: string;
  matchKey: string;
  assignee: string | null;
  assignedAt: string | null;
}
interface FindingPage {
  items: FindingItem[];
  nextCursor: string | null;
}

const observation = (i: number): FindingObservation => ({
  ruleId: 'customer.assign-test',
  ruleVersion: 1,
  entity: 'customer',
  matchKey: `C${String(i).padStart(4, '0')}`,
  field: 'legal_name',
  kind: 'mismatch',
  ownerSystem: 'erp',
  expectedValue: `Acme ${i}`,
  actualSystem: 'crm',
  actualValue: `ACME ${i}`,
  details: '{}',
  score: 1,
  severity: i % 2 ? 'high' : 'low',
  domain: 'customer',
});

describe('assigning findings over HTTP (real app, Postgres)', () => {
  let t: ApiTestApp;
  let viewer: string;
  let engineer: { key: string; keyId: string };
  let steward: string;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await startApiApp({ RATE_LIMIT_PER_MINUTE: '100000' });
    viewer = (await t.key(['viewer'])).key;
    engineer = await t.key(['engineer'], { name: 'dana.engineer' });
    steward = (await t.key(['steward'])).key;
    const batch = Array.from({ length: 12 }, (_, i) => observation(i));
    await t.app.get(FindingsMergeRepository).upsertBatch(randomUUID(), new Date(), batch);
    ids.push(...batch.map((f) => findingId(f)));
  }, 90_000);

  afterAll(async () => {
    await t?.close();
  });

  const assign = (body: unknown, key = engineer.key) =>
    request(t.server)
      .post('/api/v1/findings/assign')
      .set('X-API-Key', key)
      .send(body as object);
  const list = async (query: string, key = viewer): Promise<FindingItem[]> =>
    ((await request(t.server).get(`/api/v1/findings?${query}`).set('X-API-Key', key).expect(200)).body as FindingPage)
      .items;
  const assigneesInDb = async () =>
    Object.fromEntries(
      (await t.sql<{ id: string; assignee: string | null }>('SELECT id, assignee FROM findings')).map((r) => [
        r.id,
        r.assignee,
      ]),
    );

  it('assigns to a typed name and to the caller, and filters by name, me and unassigned', async () => {
    const toAlex = await assign({ ids: ids.slice(0, 3), assignee: 'Alex Moreau' }).expect(200);
    expect(toAlex.body).toEqual({ assignee: 'Alex Moreau', changed: ids.slice(0, 3).sort(), unchanged: [] });
    // `me` is the caller's name (here the API key's name); one id given twice counts once.
    const toMe = await assign({ ids: [ids[3], ids[4], ids[4]], assignee: 'me' }).expect(200);
    expect(toMe.body).toEqual({ assignee: 'dana.engineer', changed: [ids[3], ids[4]].sort(), unchanged: [] });

    const alex = await list(`assignee=${encodeURIComponent('Alex Moreau')}`);
    expect(alex.map((f) => f.id).sort()).toEqual(ids.slice(0, 3).sort());
    expect(alex[0]).toMatchObject({ assignee: 'Alex Moreau', assignedAt: expect.stringMatching(/Z$/) as unknown });
    // The engineer's `me` is dana.engineer; the viewer's `me` is its own key name (nobody assigned it).
    expect((await list('assignee=me', engineer.key)).map((f) => f.id).sort()).toEqual([ids[3], ids[4]].sort());
    expect(await list('assignee=me', viewer)).toEqual([]);
    const unassigned = await list('assignee=unassigned&limit=100');
    expect(unassigned.map((f) => f.id).sort()).toEqual(ids.slice(5).sort());
    expect(unassigned.every((f) => f.assignee === null && f.assignedAt === null)).toBe(true);
    // Combined with another filter and a page size: still only the assignee's findings.
    expect((await list(`assignee=${encodeURIComponent('Alex Moreau')}&severity=high`)).map((f) => f.id)).toEqual([
      ids[1],
    ]);

    const detail = await request(t.server).get(`/api/v1/findings/${ids[3]}`).set('X-API-Key', viewer).expect(200);
    expect((detail.body as { finding: FindingItem }).finding.assignee).toBe('dana.engineer');

    const csv = await request(t.server)
      .get(`/api/v1/findings/export?assignee=${encodeURIComponent('Alex Moreau')}&sort=matchKey`)
      .set('X-API-Key', viewer)
      .expect(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    const header = lines[0].split(',');
    const column = header.indexOf('assignee');
    expect(column).toBeGreaterThan(0);
    expect(header).toContain('assigned_at');
    expect(lines.slice(1).map((l) => l.split(',')[column])).toEqual(['Alex Moreau', 'Alex Moreau', 'Alex Moreau']);
    const mine = await request(t.server)
      .get('/api/v1/findings/export?assignee=me')
      .set('X-API-Key', engineer.key)
      .expect(200);
    expect(mine.text.trim().split('\r\n')).toHaveLength(3);
  });

  it('records each assignment in the audit trail of the finding, in the same request', async () => {
    const res = await assign({ ids: [ids[6], ids[7]], assignee: 'Sam' }).expect(200);
    const rows = await t.sql<{ actor: string; action: string; subject_type: string; subject_id: string }>(
      `SELECT actor, action, subject_type, subject_id, before, after FROM audit_log WHERE request_id = $1 ORDER BY subject_id`,
      [res.headers['x-request-id']],
    );
    expect(rows).toEqual(
      [ids[6], ids[7]].sort().map((id) => ({
        actor: `api-key:${engineer.keyId}`,
        action: 'finding.assign',
        subject_type: 'finding',
        subject_id: id,
        before: { assignee: null },
        after: { assignee: 'Sam' },
      })),
    );
    // The finding's history in the dashboard is the audit log filtered by the finding.
    const history = await request(t.server)
      .get(`/api/v1/audit?subjectId=${ids[6]}`)
      .set('X-API-Key', steward)
      .expect(200);
    expect((history.body as { items: { action: string }[] }).items.map((e) => e.action)).toEqual(['finding.assign']);
  });

  it('unassigns with null, and leaves findings that already have the assignee untouched', async () => {
    await assign({ ids: [ids[8]], assignee: 'Robin' }).expect(200);
    const again = await assign({ ids: [ids[8], ids[9]], assignee: 'Robin' }).expect(200);
    expect(again.body).toEqual({ assignee: 'Robin', changed: [ids[9]], unchanged: [ids[8]] });
    const off = await assign({ ids: [ids[8], ids[9], ids[10]], assignee: null }).expect(200);
    expect(off.body).toEqual({ assignee: null, changed: [ids[8], ids[9]].sort(), unchanged: [ids[10]] });
    const rows = await t.sql<{ assignee: string | null; assigned_at: Date | null }>(
      'SELECT assignee, assigned_at FROM findings WHERE id = ANY($1)',
      [[ids[8], ids[9]]],
    );
    expect(rows).toEqual([
      { assignee: null, assigned_at: null },
      { assignee: null, assigned_at: null },
    ]);
    const audit = await t.sql<{ action: string; before: unknown; after: unknown }>(
      `SELECT action, before, after FROM audit_log WHERE request_id = $1`,
      [off.headers['x-request-id']],
    );
    expect(audit).toEqual([
      { action: 'finding.unassign', before: { assignee: 'Robin' }, after: { assignee: null } },
      { action: 'finding.unassign', before: { assignee: 'Robin' }, after: { assignee: null } },
    ]);
  });

  it('refuses viewers (403) and anonymous callers (401), and stewards may assign', async () => {
    const before = await assigneesInDb();
    await assign({ ids: [ids[11]], assignee: 'me' }, viewer).expect(403);
    await request(t.server)
      .post('/api/v1/findings/assign')
      .send({ ids: [ids[11]], assignee: 'x' })
      .expect(401);
    expect(await assigneesInDb()).toEqual(before);
    await assign({ ids: [ids[11]], assignee: 'me' }, steward).expect(200);
  });

  it('rejects bad input with a 4xx naming the field, and applies nothing', async () => {
    const before = await assigneesInDb();
    const field = async (body: unknown, status: number) =>
      (await assign(body).expect(status)).body as { field?: string; message: string };

    expect(await field({ ids: [], assignee: 'x' }, 400)).toMatchObject({ field: 'ids' });
    const tooMany = Array.from({ length: MAX_ASSIGN + 1 }, (_, i) => i.toString(16).padStart(32, '0'));
    expect(await field({ ids: tooMany, assignee: 'x' }, 400)).toMatchObject({ field: 'ids' });
    expect(await field({ ids: ["x' OR 1=1 --"], assignee: 'x' }, 400)).toMatchObject({ field: 'ids' });
    expect(await field({ ids: 'abc', assignee: 'x' }, 400)).toMatchObject({ field: 'ids' });
    expect(await field({ ids: [ids[0]] }, 400)).toMatchObject({ field: 'assignee' });
    expect(await field({ ids: [ids[0]], assignee: '' }, 400)).toMatchObject({ field: 'assignee' });
    expect(await field({ ids: [ids[0]], assignee: '   ' }, 400)).toMatchObject({ field: 'assignee' });
    expect(await field({ ids: [ids[0]], assignee: 'x'.repeat(121) }, 400)).toMatchObject({ field: 'assignee' });
    expect(await field({ ids: [ids[0]], assignee: 'a\u0000b' }, 400)).toMatchObject({ field: 'assignee' });
    expect(await field({ ids: [ids[0]], assignee: 'Unassigned' }, 400)).toMatchObject({ field: 'assignee' });
    expect(await field({ ids: [ids[0]], assignee: 'x', extra: 1 }, 400)).toMatchObject({ field: 'extra' });

    // One unknown id among known ones: 404 naming it, and the known ones keep their assignee.
    const unknown = 'f'.repeat(32);
    const refused = await field({ ids: [ids[0], ids[5], unknown], assignee: 'Someone Else' }, 404);
    expect(refused).toMatchObject({ field: 'ids' });
    expect(refused.message).toContain(unknown);
    expect(refused.message).not.toContain(ids[0]);

    expect(await assigneesInDb()).toEqual(before);
    const entries = await t.sql<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE action LIKE 'finding.%' AND after->>'assignee' = 'Someone Else'`,
    );
    expect(entries[0].n).toBe('0');
  });

  it(`assigns the most findings one request may name (${MAX_ASSIGN}), each with its audit entry`, async () => {
    const batch = Array.from({ length: MAX_ASSIGN }, (_, i) => ({ ...observation(1000 + i), ruleId: 'customer.bulk' }));
    await t.app.get(FindingsMergeRepository).upsertBatch(randomUUID(), new Date(), batch);
    const many = batch.map((f) => findingId(f));
    const res = await assign({ ids: many, assignee: 'Bulk Owner' }).expect(200);
    expect((res.body as { changed: string[] }).changed).toHaveLength(MAX_ASSIGN);
    const [counted] = await t.sql<{ findings: string; entries: string }>(
      `SELECT (SELECT count(*) FROM findings WHERE assignee = 'Bulk Owner') AS findings,
              (SELECT count(DISTINCT subject_id) FROM audit_log WHERE request_id = $1 AND action = 'finding.assign') AS entries`,
      [res.headers['x-request-id']],
    );
    expect(counted).toEqual({ findings: String(MAX_ASSIGN), entries: String(MAX_ASSIGN) });
    const page = await list(`assignee=${encodeURIComponent('Bulk Owner')}&limit=500`);
    expect(page).toHaveLength(500);
  });

  it('rejects an empty or over-long assignee filter', async () => {
    await request(t.server).get('/api/v1/findings?assignee=').set('X-API-Key', viewer).expect(400);
    await request(t.server)
      .get(`/api/v1/findings?assignee=${'y'.repeat(121)}`)
      .set('X-API-Key', viewer)
      .expect(400);
    await request(t.server)
      .get('/api/v1/findings?lastRunId=------------------------------------')
      .set('X-API-Key', viewer)
      .expect(400);
  });
});
