import { randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { baseKeyOf } from '../../../backend/src/modules/fixups/fixup-changes';
import type { FixupFieldChange, FixupState } from '../../../backend/src/modules/fixups/fixup-task';
import { FixupsRepository } from '../../../backend/src/modules/fixups/fixups.repository';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { seedRun } from './support/fixups-harness';

const ROOT = join(__dirname, '../../..');
// The built CLI, as operators run it (decorator metadata needs the tsc build; `npm test` builds first).
const CLI = join(ROOT, 'backend/dist/cli/fixups.cli.js');
const run = promisify(execFile);

describe('fix-up task API and CLI: approve, retry, replay, dismiss with audit and clear refusals', () => {
  let t: ApiTestApp;
  let keys: { viewer: string; engineer: string; steward: string };
  let stewardKeyId: string;
  // A target no worker anywhere serves: queued jobs stay in Redis and no estate is written.
  const target = `api-test-${randomBytes(3).toString('hex')}`;
  let runId: string;

  beforeAll(async () => {
    t = await startApiApp();
    const steward = await t.key(['steward']);
    stewardKeyId = steward.keyId;
    keys = {
      viewer: (await t.key(['viewer'])).key,
      engineer: (await t.key(['engineer'])).key,
      steward: steward.key,
    };
    runId = (
      await seedRun(t.app.get(DataSource), [
        {
          ruleId: 'customer.billing-address-match',
          entity: 'customer',
          field: 'billing_address_city',
          ownerSystem: 'erp',
          expectedValue: 'x',
          actualSystem: target,
          actualValue: 'y',
          matchKey: 'C-SEED',
          actualKey: 'seed',
        },
      ])
    ).runId;
  }, 90_000);

  afterAll(async () => {
    await t?.close();
  });

  /**
   * A task of the seeded run in `state` (set directly: the states' own paths are tested elsewhere);
   * `changes: []` makes a decision for a person (nothing to write), like a merge's retire task for a
   * connector that cannot retire.
   */
  async function task(
    state: FixupState,
    options: { changes?: FixupFieldChange[]; targetSystem?: string; lastError?: string } = {},
  ): Promise<string> {
    const [{ id: findingId }] = await t.sql<{ id: string }>(`SELECT id FROM findings LIMIT 1`);
    const changes = options.changes ?? [
      { field: 'billingAddress.city', column: 'billing_address_city', expectedOld: 'y', newValue: randomUUID() },
    ];
    const targetSystem = options.targetSystem ?? target;
    const [created] = await t.app.get(FixupsRepository).insertMany(
      [
        {
          findingId,
          ruleId: 'customer.billing-address-match',
          ruleKind: 'field_match',
          findingKind: 'mismatch',
          entity: 'customer',
          matchKey: 'C-SEED',
          targetSystem,
          sourceKey: 'seed',
          changes,
          policy: 'approval',
          state: 'proposed',
          stateReason: null,
          baseKey: baseKeyOf(`${findingId}:${randomUUID()}`, targetSystem, changes),
          createdRunId: runId,
        },
      ],
      'test:setup',
    );
    if (state !== 'proposed') await t.sql(`UPDATE fix_tasks SET state = $1 WHERE id = $2`, [state, created.id]);
    if (options.lastError)
      await t.sql(`UPDATE fix_tasks SET last_error = $1 WHERE id = $2`, [options.lastError, created.id]);
    return created.id;
  }

  const post = (path: string, key: string, body: object = {}) =>
    request(t.server).post(`/api/v1/fixups${path}`).set('X-API-Key', key).send(body);
  const stateOf = async (id: string) =>
    (
      await t.sql<{ state: string; job_generation: number }>(
        `SELECT state, job_generation FROM fix_tasks WHERE id = $1`,
        [id],
      )
    )[0];
  const audits = (action: string) =>
    t.sql<{
      actor: string;
      subject_id: string | null;
      after: { changed: string[]; skipped: string[]; refused?: { id: string; reason: string }[] };
    }>(`SELECT actor, subject_id, after FROM audit_log WHERE action = $1 ORDER BY at`, [action]);

  it('approves one task: queued, its trail shows who, and one audit entry', async () => {
    const id = await task('proposed');
    const res = await post(`/${id}/approve`, keys.steward, { reason: 'owner value is right' }).expect(200);
    expect(res.body).toEqual({ changed: [id], skipped: [], refused: [] });
    expect((await stateOf(id)).state).toBe('queued');
    const detail = await request(t.server).get(`/api/v1/fixups/${id}`).set('X-API-Key', keys.viewer).expect(200);
    expect(detail.body.transitions.map((e: { toState: string }) => e.toState)).toEqual([
      'proposed',
      'approved',
      'queued',
    ]);
    expect(detail.body.transitions[1]).toMatchObject({
      reason: 'owner value is right',
      actor: `api-key:${stewardKeyId}`,
    });
    const [entry] = (await audits('fixup.approve')).filter((a) => a.subject_id === id);
    expect(entry.after.changed).toEqual([id]);
  });

  it('refuses to approve a done task with 409 naming its state, an unknown one with 404, a bad id with 400, a viewer with 403', async () => {
    const done = await task('done');
    const res = await post(`/${done}/approve`, keys.steward).expect(409);
    expect(res.body.message).toMatch(
      new RegExp(`fix-up task ${done} is done; approve applies to tasks that are proposed, needs_review`),
    );
    expect((await stateOf(done)).state).toBe('done');
    await post(`/${randomUUID()}/approve`, keys.steward).expect(404);
    await post(`/not-a-uuid/approve`, keys.steward).expect(400);
    await post(`/${await task('proposed')}/approve`, keys.viewer).expect(403);
  });

  it('approves many: moves the proposed ones, lists the rest as skipped, and audits both', async () => {
    const a = await task('proposed');
    const b = await task('needs_review');
    const c = await task('done');
    const res = await post('/approve', keys.steward, { ids: [a, b, c], reason: 'batch' }).expect(200);
    expect(res.body.changed.sort()).toEqual([a, b].sort());
    expect(res.body.skipped).toEqual([c]);
    const entry = (await audits('fixup.approve')).find((e) => e.after.skipped.includes(c))!;
    expect(entry.after.changed.sort()).toEqual([a, b].sort());
    const bad = await post('/approve', keys.steward, {}).expect(400);
    expect(bad.body).toMatchObject({ field: 'ids' });
    await post('/approve', keys.steward, { ids: ['nope'] }).expect(400);
  });

  it('refuses to approve a task with no field changes (409 naming why): state, trail and audit untouched', async () => {
    const empty = await task('needs_review', { changes: [] });
    const eventsBefore = await t.sql(`SELECT id FROM fix_task_events WHERE task_id = $1`, [empty]);
    const auditBefore = await t.sql(`SELECT id FROM audit_log`);
    const res = await post(`/${empty}/approve`, keys.steward, { reason: 'looks fine' }).expect(409);
    expect(res.body).toMatchObject({ field: 'changes' });
    expect(res.body.message).toMatch(
      new RegExp(`fix-up task ${empty} cannot be approved: the task has no field changes.*dismiss it`),
    );
    // The same refusal through the steward's decision routes (both go through FixupsService.one).
    await post(`/${empty}/decision`, keys.steward, { decision: 'approve' }).expect(409);
    const viaReviews = await request(t.server)
      .post(`/api/v1/stewardship/reviews/${empty}/decide`)
      .set('X-API-Key', keys.steward)
      .send({ decision: 'approve' })
      .expect(409);
    expect(viaReviews.body).toMatchObject({ field: 'changes' });
    expect((await stateOf(empty)).state).toBe('needs_review');
    expect(await t.sql(`SELECT id FROM fix_task_events WHERE task_id = $1`, [empty])).toEqual(eventsBefore);
    expect(await t.sql(`SELECT id FROM audit_log`)).toEqual(auditBefore);
    // Dismissing is what such a task is for.
    await post(`/${empty}/dismiss`, keys.steward, { reason: 'merged in the support desk by hand' }).expect(200);
    expect((await stateOf(empty)).state).toBe('dismissed');
  });

  it('approves many with a no-change task among them: the others are approved, that one is reported refused and stays', async () => {
    const normal = await task('needs_review');
    const empty = await task('needs_review', { changes: [] });
    const doneEmpty = await task('done', { changes: [] });
    const res = await post('/approve', keys.steward, { ids: [empty, normal, doneEmpty], reason: 'batch' }).expect(200);
    expect(res.body.changed).toEqual([normal]);
    expect(res.body.skipped).toEqual([empty, doneEmpty]);
    // Only a task approve would otherwise move is refused; a done one is merely skipped.
    expect(res.body.refused).toEqual([{ id: empty, reason: expect.stringMatching(/no field changes/) }]);
    expect((await stateOf(normal)).state).toBe('queued');
    expect((await stateOf(empty)).state).toBe('needs_review');
    expect((await stateOf(doneEmpty)).state).toBe('done');
    expect(
      (await t.sql<{ to_state: string }>(`SELECT to_state FROM fix_task_events WHERE task_id = $1`, [empty])).map(
        (e) => e.to_state,
      ),
    ).toEqual(['proposed']);
    const entry = (await audits('fixup.approve')).find((e) => e.after.changed.includes(normal))!;
    expect(entry.after).toMatchObject({ skipped: [empty, doneEmpty], refused: [{ id: empty }] });

    // By filter: every approvable task of a system, the no-change one refused again.
    const system = `api-empty-${randomBytes(3).toString('hex')}`;
    const [a, b] = [
      await task('proposed', { targetSystem: system }),
      await task('needs_review', { targetSystem: system, changes: [] }),
    ];
    const bySystem = await post('/approve', keys.steward, { system }).expect(200);
    expect(bySystem.body).toMatchObject({ changed: [a], skipped: [b], refused: [{ id: b }] });
    expect((await stateOf(b)).state).toBe('needs_review');
  });

  it('lists the open tasks (every state but done and dismissed) newest first, paged like any list', async () => {
    const system = `api-open-${randomBytes(3).toString('hex')}`;
    const on = { targetSystem: system };
    for (const state of ['proposed', 'done', 'queued', 'dismissed', 'dead_lettered', 'needs_review', 'done'] as const) {
      await task(state, on);
    }
    // The same creation time for some: ties are broken by id, across states.
    await t.sql(
      `UPDATE fix_tasks SET created_at = '2026-11-01T00:00:00Z' WHERE target_system = $1 AND state <> 'queued'`,
      [system],
    );
    const list = async (query: Record<string, string>) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await request(t.server)
          .get('/api/v1/fixups')
          .set('X-API-Key', keys.viewer)
          .query({ ...query, system, limit: 2, ...(cursor ? { cursor } : {}) })
          .expect(200);
        ids.push(...(res.body.items as { id: string }[]).map((i) => i.id));
        cursor = res.body.nextCursor as string | null;
        pages += 1;
      } while (cursor !== null && pages < 20);
      return ids;
    };
    const expected = async (where: string, direction: 'DESC' | 'ASC') =>
      (
        await t.sql<{ id: string }>(
          `SELECT id::text AS id FROM fix_tasks WHERE target_system = $1 AND ${where}
           ORDER BY created_at ${direction}, id ${direction}`,
          [system],
        )
      ).map((r) => r.id);
    const open = `state NOT IN ('done', 'dismissed')`;
    expect(await list({ state: 'open' })).toEqual(await expected(open, 'DESC'));
    expect(await list({ state: 'open', sort: 'createdAt' })).toEqual(await expected(open, 'ASC'));
    expect(await list({})).toEqual(await expected('true', 'DESC'));
    expect(await list({ state: 'done' })).toEqual(await expected(`state = 'done'`, 'DESC'));
    expect((await list({ state: 'open' })).length).toBe(4);
    // The review list (needs_review, conflict) narrowed to open is still the review list.
    const reviews = await request(t.server)
      .get('/api/v1/fixups/review')
      .set('X-API-Key', keys.viewer)
      .query({ system, state: 'open' })
      .expect(200);
    expect((reviews.body.items as { state: string }[]).map((i) => i.state)).toEqual(['needs_review']);
  });

  it('lists reviews by reason (validation_failure, conflict, needs_decision), each only its kind, paged with a cursor', async () => {
    const system = `api-review-${randomBytes(3).toString('hex')}`;
    const on = { targetSystem: system };
    const repo = t.app.get(FixupsRepository);
    const conflicts: string[] = [];
    for (const city of ['Gent', 'Lyon']) {
      const id = await task('applying', on);
      await repo.transition({
        ids: [id],
        from: ['applying'],
        to: 'conflict',
        actor: 'test:worker',
        reason: 'the target changed since the finding',
        details: { currentValues: { 'billingAddress.city': city } },
      });
      conflicts.push(id);
    }
    const expected = {
      conflict: conflicts,
      validation_failure: [
        await task('needs_review', { ...on, lastError: 'the target refused the write: STRING_TOO_LONG: City' }),
        await task('needs_review', { ...on, lastError: 'the target refused the write: ' }),
      ],
      needs_decision: [
        await task('needs_review', on),
        await task('needs_review', { ...on, changes: [] }),
        // Only the corrective sync's own prefix makes a validation failure.
        await task('needs_review', { ...on, lastError: 'Tryton said: the target refused the write' }),
      ],
    };
    await task('done', { ...on, lastError: 'the target refused the write: old news' }); // not waiting: never listed

    const reviews = (query: Record<string, string | number>) =>
      request(t.server).get('/api/v1/stewardship/reviews').set('X-API-Key', keys.viewer).query(query);
    type Item = { kind: string; task: { id: string }; currentValues: Record<string, unknown> | null };
    const all = async (query: Record<string, string | number>) => {
      const items: Item[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await reviews({ ...query, system, limit: 1, ...(cursor ? { cursor } : {}) }).expect(200);
        items.push(...(res.body.items as Item[]));
        cursor = res.body.nextCursor as string | null;
        pages += 1;
      } while (cursor !== null && pages < 20);
      return { items, pages };
    };

    for (const [reason, ids] of Object.entries(expected)) {
      const { items, pages } = await all({ reason });
      expect(items.map((i) => i.task.id).sort()).toEqual([...ids].sort());
      expect(new Set(items.map((i) => i.kind))).toEqual(new Set([reason]));
      // One task a page: a full last page, then an empty one at most (the cursor shows whether more exist).
      expect(pages).toBe(ids.length);
    }
    const { items: conflictItems } = await all({ reason: 'conflict', sort: 'createdAt' });
    expect(conflictItems.map((i) => i.currentValues)).toEqual([
      { 'billingAddress.city': 'Gent' },
      { 'billingAddress.city': 'Lyon' },
    ]);
    const everything = await all({});
    expect(everything.items).toHaveLength(7);
    for (const item of everything.items.filter((i) => i.kind !== 'conflict')) expect(item.currentValues).toBeNull();
    // Filters combine: a needs_review task is never a conflict.
    expect((await reviews({ system, state: 'needs_review', reason: 'conflict' }).expect(200)).body.items).toEqual([]);

    const bad = await reviews({ reason: 'bogus' }).expect(400);
    expect(bad.body).toMatchObject({ field: 'reason' });
    expect(bad.body.message).toMatch(/validation_failure, conflict, needs_decision/);
  });

  it('retries a failed task under a new job; a proposed one is a 409; engineers only', async () => {
    const failed = await task('failed');
    const before = await stateOf(failed);
    await post(`/${failed}/retry`, keys.viewer).expect(403);
    await post(`/${failed}/retry`, keys.engineer, { reason: 'target fixed' }).expect(200);
    const after = await stateOf(failed);
    expect(after).toEqual({ state: 'queued', job_generation: before.job_generation + 1 });
    expect((await audits('fixup.retry')).some((e) => e.subject_id === failed)).toBe(true);
    const res = await post(`/${await task('proposed')}/retry`, keys.engineer).expect(409);
    expect(res.body.message).toMatch(/is proposed; retry applies to tasks that are failed, conflict/);
  });

  it('replays one dead letter, and in bulk every dead letter of the target system', async () => {
    const one = await task('dead_lettered');
    await post(`/${one}/replay`, keys.engineer).expect(200);
    expect((await stateOf(one)).state).toBe('queued');
    await post(`/${one}/replay`, keys.engineer).expect(409);
    const bulk = [await task('dead_lettered'), await task('dead_lettered')];
    const res = await post('/replay', keys.engineer, { system: target, reason: 'CRM is back' }).expect(200);
    expect(res.body.changed.sort()).toEqual(bulk.sort());
    for (const id of bulk) expect((await stateOf(id)).state).toBe('queued');
    const entry = (await audits('fixup.replay')).at(-1)!;
    expect(entry.after.changed.sort()).toEqual(bulk.sort());
  });

  it('dismisses with a reason (required, one task or many), never a done task', async () => {
    const id = await task('conflict');
    const missing = await post(`/${id}/dismiss`, keys.steward, {}).expect(400);
    expect(missing.body).toMatchObject({ field: 'reason' });
    // In bulk too (it inherited an optional reason from the selection and took none).
    const bulkMissing = await post('/dismiss', keys.steward, { ids: [id] }).expect(400);
    expect(bulkMissing.body).toMatchObject({ field: 'reason' });
    expect((await stateOf(id)).state).toBe('conflict');
    await post(`/${id}/dismiss`, keys.steward, { reason: 'the CRM value is right' }).expect(200);
    expect((await stateOf(id)).state).toBe('dismissed');
    const res = await post(`/${await task('done')}/dismiss`, keys.steward, { reason: 'too late' }).expect(409);
    expect(res.body.message).toMatch(/is done/);
    expect((await audits('fixup.dismiss')).some((e) => e.subject_id === id)).toBe(true);
  });

  it('the CLI, run as a process, lists and approves through the same service and audits as cli:fixups', async () => {
    if (!existsSync(CLI)) throw new Error('backend is not built: run `npm run build` (npm test does)');
    const id = await task('proposed');
    const env = { ...process.env, DATABASE_URL: t.postgresUrl, LOG_LEVEL: 'silent', USER: 'tester' };
    const cli = (args: string[]) =>
      run(process.execPath, [CLI, ...args], {
        cwd: ROOT,
        env,
        timeout: 60_000,
      });
    const listed = await cli(['list', '--state', 'proposed', '--system', target]);
    const ids = listed.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toContain(id);
    const open = await cli(['list', '--state', 'open', '--system', target]);
    expect(
      open.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    ).toContain(id);
    const approved = await cli(['approve', '--id', id, '--reason', 'from the terminal']);
    expect(JSON.parse(approved.stdout)).toEqual({ changed: [id], skipped: [], refused: [] });
    expect((await stateOf(id)).state).toBe('queued');
    expect((await audits('fixup.approve')).find((e) => e.subject_id === id)?.actor).toBe('cli:fixups(tester)');
    // A task with nothing to write is refused on the CLI too, through the same service, and stays put.
    const empty = await task('needs_review', { changes: [] });
    const refused = await cli(['approve', '--id', empty]);
    expect(JSON.parse(refused.stdout)).toEqual({
      changed: [],
      skipped: [empty],
      refused: [{ id: empty, reason: expect.stringMatching(/no field changes/) }],
    });
    expect((await stateOf(empty)).state).toBe('needs_review');
    await expect(cli(['dismiss', '--id', id])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/dismiss needs --reason/),
    });
  }, 120_000);
});
