import request from 'supertest';
import { AlertsService } from '../../../backend/src/modules/alerts/alerts.service';
import { signSlackRequest } from '../../../backend/src/modules/alerts/slack/slack-signature';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { creditGroup } from './support/finding-groups';
import { SlackReceiver } from './support/slack-receiver';

const SECRET = 'slack-signing-secret-for-tests';
const ALERT_KEY = 'credit-ops:credit-hold-visible:#credit-ops';

function clickBody(actionId: string, value = ALERT_KEY, userId = 'U42'): string {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: 'ana' },
    actions: [{ action_id: actionId, value }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('Slack interactivity endpoint (signature, replay, actions, audit)', () => {
  let api: ApiTestApp;
  let receiver: SlackReceiver;

  beforeAll(async () => {
    receiver = new SlackReceiver();
    const apiUrl = await receiver.start();
    api = await startApiApp({
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: apiUrl,
    });
    await api.app
      .get(AlertsService)
      .evaluateRun('run-1', [creditGroup('credit-hold-visible', 'Credit holds not visible in CRM', 4)]);
  });

  afterAll(async () => {
    await api?.close();
    await receiver?.stop();
  });

  const post = (body: string, timestamp: string, signature: string) =>
    request(api.server)
      .post('/api/v1/slack/interactivity')
      .set('content-type', 'application/x-www-form-urlencoded')
      .set('x-slack-request-timestamp', timestamp)
      .set('x-slack-signature', signature)
      .send(body);

  it('acknowledges with a valid signature, redraws the message and audits who did it', async () => {
    receiver.clear();
    const body = clickBody('alert.acknowledge');
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await post(body, ts, signSlackRequest(SECRET, ts, body)).expect(200);
    expect(res.body.text).toMatch(/Acknowledged by slack:U42 \(ana\)/);
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.update']);
    const audit = await api.sql<{ actor: string; action: string }>(
      `SELECT actor, action FROM audit_log WHERE subject_id = $1`,
      [ALERT_KEY],
    );
    expect(audit).toContainEqual({ actor: 'slack:U42 (ana)', action: 'alert.acknowledge' });
  });

  it('rejects a signature made with the wrong secret', async () => {
    const body = clickBody('alert.snooze_1h');
    const ts = String(Math.floor(Date.now() / 1000));
    await post(body, ts, signSlackRequest('wrong-secret', ts, body)).expect(401);
  });

  it('rejects a stale timestamp even when correctly signed', async () => {
    const body = clickBody('alert.snooze_1h');
    const ts = String(Math.floor(Date.now() / 1000) - 600);
    await post(body, ts, signSlackRequest(SECRET, ts, body)).expect(401);
  });

  it('accepts a signed request once and refuses its replay', async () => {
    const body = clickBody('alert.snooze_24h');
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = signSlackRequest(SECRET, ts, body);
    const first = await post(body, ts, signature).expect(200);
    expect(first.body.text).toMatch(/Snoozed for 24h/);
    await post(body, ts, signature).expect(401);
    const [state] = await api.sql<{ snoozed_until: Date }>(
      `SELECT snoozed_until FROM alert_states WHERE alert_key = $1`,
      [ALERT_KEY],
    );
    expect(state.snoozed_until.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });

  it("approves the rule's proposed fix-up tasks with the Slack user as actor in the task trail and the audit log", async () => {
    const runId = '00000000-0000-4000-8000-000000000001';
    const finding = (id: string, ruleId: string) =>
      api.sql(
        `INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system,
           expected_value, actual_system, actual_value, severity, domain, status, first_seen_at, last_seen_at,
           first_run_id, last_run_id)
         VALUES ($1, $2, 1, 'credit', 'C1', 'credit_hold', 'mismatch', 'erp', 'true', 'crm', 'false', 'high',
           'credit', 'open', now(), now(), $3, $3)`,
        [id, ruleId, runId],
      );
    await finding('f'.repeat(32), 'credit-hold-visible');
    await finding('e'.repeat(32), 'credit-terms-match');
    const task = async (ruleId: string, findingId: string, state: string, n: number) => {
      const [row] = await api.sql<{ id: string }>(
        `INSERT INTO fix_tasks (finding_id, rule_id, rule_kind, finding_kind, entity, match_key, target_system,
           source_key, changes, policy, state, base_key, idempotency_key, created_run_id)
         VALUES ($1, $2, 'field_match', 'mismatch', 'credit', 'C1', 'crm', 'C1',
           '[{"path":"creditHold","from":false,"to":true}]', 'approval', $3, $4, $4, $5) RETURNING id`,
        [findingId, ruleId, state, `key-${n}`, runId],
      );
      return row.id;
    };
    const proposed = [
      await task('credit-hold-visible', 'f'.repeat(32), 'proposed', 1),
      await task('credit-hold-visible', 'f'.repeat(32), 'proposed', 2),
    ];
    const heldForReview = await task('credit-hold-visible', 'f'.repeat(32), 'needs_review', 3);
    const otherRule = await task('credit-terms-match', 'e'.repeat(32), 'proposed', 4);

    const body = clickBody('alert.approve_fixes');
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await post(body, ts, signSlackRequest(SECRET, ts, body)).expect(200);
    expect(res.body.text).toBe('Approved 2 fix-ups of rule credit-hold-visible by slack:U42 (ana)');

    const states = await api.sql<{ id: string; state: string }>(`SELECT id, state FROM fix_tasks`);
    const stateOf = new Map(states.map((r) => [r.id, r.state]));
    for (const id of proposed) expect(stateOf.get(id)).toBe('queued');
    expect(stateOf.get(heldForReview)).toBe('needs_review');
    expect(stateOf.get(otherRule)).toBe('proposed');
    const trail = await api.sql<{ task_id: string; from_state: string; to_state: string; actor: string }>(
      `SELECT task_id, from_state, to_state, actor FROM fix_task_events WHERE task_id = ANY($1::uuid[]) ORDER BY id`,
      [proposed],
    );
    expect(trail).toEqual(
      expect.arrayContaining(
        proposed.flatMap((id) => [
          { task_id: id, from_state: 'proposed', to_state: 'approved', actor: 'slack:U42 (ana)' },
          { task_id: id, from_state: 'approved', to_state: 'queued', actor: 'slack:U42 (ana)' },
        ]),
      ),
    );
    const audit = await api.sql<{ actor: string; action: string }>(
      `SELECT actor, action FROM audit_log WHERE action IN ('fixup.approve', 'alert.approve_fixes')`,
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        { actor: 'slack:U42 (ana)', action: 'fixup.approve' },
        { actor: 'slack:U42 (ana)', action: 'alert.approve_fixes' },
      ]),
    );

    // A second click (another user: the same signed body within one second would be a replay) finds nothing left.
    const again = clickBody('alert.approve_fixes', ALERT_KEY, 'U43');
    const ts2 = String(Math.floor(Date.now() / 1000));
    const res2 = await post(again, ts2, signSlackRequest(SECRET, ts2, again)).expect(200);
    expect(res2.body.text).toBe('No fix-ups of rule credit-hold-visible are waiting for approval.');
  });

  it('answers 400 to a signed but malformed payload', async () => {
    const body = 'payload=%7Bnot-json';
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await post(body, ts, signSlackRequest(SECRET, ts, body)).expect(400);
    expect(JSON.stringify(res.body)).toMatch(/payload/);
  });

  it('requires credentials for the silences API and creates one for an engineer', async () => {
    await request(api.server).get('/api/v1/alerts/silences').expect(401);
    const { key } = await api.key(['engineer']);
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await request(api.server)
      .post('/api/v1/alerts/silences')
      .set('authorization', `Bearer ${key}`)
      .send({ ruleId: 'credit.hold-visibility', reason: 'ERP cut-over', endsAt })
      .expect(201);
    expect(created.body.createdBy).toBeTruthy();
    const bad = await request(api.server)
      .post('/api/v1/alerts/silences')
      .set('authorization', `Bearer ${key}`)
      .send({ ruleId: 'credit.hold-visibility', reason: 'x', endsAt: 'tomorrow' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/endsAt|reason/);
  });

  it('lists the silences in force and expires one, which then leaves the list', async () => {
    const { key, keyId } = await api.key(['engineer']);
    const as = (req: request.Test) => req.set('authorization', `Bearer ${key}`);
    const endsAt = new Date(Date.now() + 2 * 3_600_000);
    const created = await as(request(api.server).post('/api/v1/alerts/silences'))
      .send({ domain: 'credit', reason: 'CRM maintenance window', endsAt: endsAt.toISOString() })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ruleId: null,
      domain: 'credit',
      reason: 'CRM maintenance window',
      createdBy: `api-key:${keyId}`,
      startsAt: expect.any(String),
      endsAt: endsAt.toISOString(),
      createdAt: expect.any(String),
    });

    const listed = await as(request(api.server).get('/api/v1/alerts/silences')).expect(200);
    expect(listed.body).toContainEqual(created.body);

    await as(request(api.server).delete(`/api/v1/alerts/silences/${created.body.id}`)).expect(204);
    const after = await as(request(api.server).get('/api/v1/alerts/silences')).expect(200);
    expect(after.body.map((s: { id: string }) => s.id)).not.toContain(created.body.id);
    await as(request(api.server).delete('/api/v1/alerts/silences/00000000-0000-4000-8000-00000000abcd')).expect(404);
  });
});
