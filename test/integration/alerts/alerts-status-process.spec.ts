/**
 * The SLA / connector alert check as it runs in production: two scheduler processes and a worker process
 * of the built backend, a cron (ALERTS_STATUS_SCHEDULE) that only enqueues one job per slot, and the
 * worker evaluating the connector-health rule of the default alert rules against the demo estate's CRM,
 * posting to a Slack-compatible receiver.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import Bull from 'bull';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { ident, sql } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import { startBackend, type RunningBackend } from '../../e2e/support/backend-process';
import { setFaults } from '../fixups/support/fixups-harness';
import { crmConnectorsFile, type ConnectorsFile } from '../support/estate-connectors-file';
import { clickhouseUrl, isolatedPostgres, testDatabaseName } from '../support/test-services';
import { startPrivateRedis, type PrivateRedis } from '../workers/support/private-redis';
import { SlackReceiver, type ReceivedSlackCall } from './support/slack-receiver';

const EVERY_SECONDS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, read: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${ms} ms`);
    await sleep(200);
  }
}

describe('alert status check in separate scheduler and worker processes', () => {
  let redis: PrivateRedis;
  let postgres: { url: string; drop(): Promise<void> };
  let estate: RunningEstate;
  let receiver: SlackReceiver;
  let connectors: ConnectorsFile | undefined;
  const running: RunningBackend[] = [];
  const database = testDatabaseName();
  let env: Record<string, string>;
  // The default alert rules, with the daily digest due every minute so a tick comes within the test.
  const rulesDir = mkdtempSync(join(tmpdir(), 'dw-alert-rules-'));
  const rulesFile = join(rulesDir, 'alerts.yaml');

  beforeAll(async () => {
    writeFileSync(
      rulesFile,
      readFileSync(join(__dirname, '../../../reconciliation-rules/alerts/default.yaml'), 'utf8').replace(
        "schedule: '0 7 * * 1-5'",
        "schedule: '* * * * *'",
      ),
    );
    redis = await startPrivateRedis();
    postgres = await isolatedPostgres();
    estate = await startEstate({ customers: 20, seed: 5, systems: ['crm'] });
    // The CRM answers every API call with a 503 from the start: its health check fails.
    await setFaults(estate.crm.baseUrl, { outageRate: 1, outageStatus: 503 });
    receiver = new SlackReceiver();
    const slackApi = await receiver.start();
    connectors = crmConnectorsFile(estate, 'dw-alert-status-');
    env = {
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: database,
      REDIS_URL: redis.url,
      DRIFTWATCH_CONNECTORS_FILE: connectors.path,
      ...connectors.env,
      SNAPSHOT_SCHEDULES: '',
      RECONCILIATION_SCHEDULE: '',
      ALERTS_STATUS_SCHEDULE: `*/${EVERY_SECONDS} * * * * *`,
      CONNECTOR_HEALTH_CACHE_MS: '0',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: slackApi,
      SLACK_RETRIES: '1',
      LOG_LEVEL: 'info',
      ALERT_RULES_FILE: rulesFile,
    };
    // The worker boots first and migrates; the schedulers find the schema in place.
    running.push(await startBackend({ ...env, DRIFTWATCH_ROLE: 'worker' }));
    running.push(
      ...(await Promise.all([
        startBackend({ ...env, DRIFTWATCH_ROLE: 'scheduler' }),
        startBackend({ ...env, DRIFTWATCH_ROLE: 'scheduler' }),
      ])),
    );
  }, 180_000);

  afterAll(async () => {
    for (const process of running.reverse()) await process.stop();
    await receiver?.stop();
    await estate?.stop();
    const clickhouse = ClickHouseService.fromConfig(new ConfigService({ ...process.env, ...env }));
    await clickhouse.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`, { tag: 'test.drop' });
    await clickhouse.onModuleDestroy();
    await postgres?.drop();
    await redis?.stop();
    connectors?.remove();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  const connectorMessages = (method: string): ReceivedSlackCall[] =>
    receiver.calls.filter((c) => c.method === method && String(c.args.text).includes('Connector crm'));

  it('posts once while the CRM is down, enqueues each slot once across two schedulers, and resolves in place', async () => {
    const posted = await waitFor('the connector-down message', () => connectorMessages('chat.postMessage')[0]);
    expect(posted.problems).toEqual([]);
    expect(posted.args.channel).toBe('#integration-eng');
    expect(String(posted.args.text)).toContain('health check failing');

    // Several more checks while nothing changes: no second message.
    const startedAt = Date.now();
    await sleep(4 * EVERY_SECONDS * 1000);
    expect(connectorMessages('chat.postMessage')).toHaveLength(1);

    await setFaults(estate.crm.baseUrl, {});
    const resolved = await waitFor('the resolved update', () =>
      connectorMessages('chat.update').find((c) => String(c.args.text).startsWith('Resolved: ')),
    );
    expect(resolved.problems).toEqual([]);
    // Updated in place: the same channel, and a message ts the receiver handed out for a post.
    expect(resolved.args.channel).toBe('#integration-eng');
    expect(String(resolved.args.ts)).toMatch(/^1700000000\.\d{6}$/);
    expect(connectorMessages('chat.postMessage')).toHaveLength(1);

    // Two schedulers fired every slot; each slot became one job, which the worker ran once.
    const queue = new Bull('alerts', redis.url, { prefix: 'driftwatch' });
    try {
      const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
      const slots = jobs.map((job) => String(job.id)).filter((id) => id.startsWith('alerts:status:'));
      expect(new Set(slots).size).toBe(slots.length);
      // Both schedulers name a slot alike: every job sits on the cron's grid, none a second off it.
      const offGrid = slots.filter((id) => new Date(id.slice('alerts:status:'.length)).getUTCSeconds() % EVERY_SECONDS);
      expect(offGrid).toEqual([]);
      const elapsedSlots = Math.floor((Date.now() - startedAt) / (EVERY_SECONDS * 1000));
      expect(slots.length).toBeGreaterThanOrEqual(elapsedSlots);
      expect(jobs.filter((job) => job.failedReason).map((job) => job.failedReason)).toEqual([]);
    } finally {
      await queue.close();
    }
    const schedulerLogs = running.slice(1).map((p) => p.output());
    for (const log of schedulerLogs) expect(log).toContain('alert status check scheduled');
  }, 180_000);

  it("sends a digest at its cron's minute: one job and one message per slot, whichever scheduler ticks", async () => {
    const digests = () =>
      receiver.calls.filter(
        (c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('Drift digest · '),
      );
    const posted = await waitFor('the daily digest', () => digests()[0], 90_000);
    expect(posted.problems).toEqual([]);
    expect(posted.args.channel).toBe('#ops-leads');
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(String(posted.args.text)).toMatch(new RegExp(`^Drift digest · ${yesterday}: 0 open findings`));

    const queue = new Bull('alerts', redis.url, { prefix: 'driftwatch' });
    try {
      const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
      const slots = jobs.map((job) => String(job.id)).filter((id) => id.startsWith('alerts:digest:ops-leads-daily:'));
      expect(slots.length).toBeGreaterThanOrEqual(1);
      expect(new Set(slots).size).toBe(slots.length);
      // Each slot is a whole minute; its one job sent one message.
      for (const id of slots) expect(id).toMatch(/:\d{2}:00\.000Z$/);
      expect(digests().length).toBeLessThanOrEqual(slots.length);
      const done = jobs.filter((job) => String(job.id).startsWith('alerts:digest:') && job.finishedOn);
      expect(done.filter((job) => job.failedReason).map((job) => job.failedReason)).toEqual([]);
    } finally {
      await queue.close();
    }
    for (const log of running.slice(1).map((p) => p.output()))
      expect(log).toContain('the ops-leads-daily digest scheduled at \\"* * * * *\\" (UTC)');
  }, 120_000);
});
