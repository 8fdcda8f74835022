import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { FindingGroup } from '../../../backend/src/modules/alerts/alert-evaluator';
import {
  AlertDeliveryEntity,
  AlertSilenceEntity,
  AlertStateEntity,
} from '../../../backend/src/modules/alerts/alert-state.entity';
import { AlertsRepository } from '../../../backend/src/modules/alerts/alerts.repository';
import { AlertsService } from '../../../backend/src/modules/alerts/alerts.service';
import { SlackTransport } from '../../../backend/src/modules/alerts/slack/slack-transport';
import { dataSourceOptions } from '../../../backend/src/database/data-source';
import { isolatedPostgres } from '../support/test-services';
import { SlackReceiver } from './support/slack-receiver';

const RULES_FILE = join(__dirname, '../../../reconciliation-rules/alerts/default.yaml');
const T0 = new Date('2026-11-29T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const creditGroup = (open: number, fresh = open): FindingGroup => ({
  ruleId: 'credit-hold-visible',
  title: 'Credit holds not visible in CRM',
  domain: 'credit',
  severity: 'high',
  counts: { new: fresh, open, resolved: 0 },
  recordsChecked: 20_000,
  examples: [{ key: 'C000123', system: 'crm', field: 'creditHold', expected: 'true', actual: 'false' }],
});

describe('alerts to a Slack-compatible receiver over HTTP, state in Postgres', () => {
  let postgres: Awaited<ReturnType<typeof isolatedPostgres>>;
  let dataSource: DataSource;
  let receiver: SlackReceiver;
  let repository: AlertsRepository;
  let service: AlertsService;

  beforeAll(async () => {
    postgres = await isolatedPostgres();
    dataSource = new DataSource({
      ...dataSourceOptions(postgres.url),
      entities: [AlertStateEntity, AlertDeliveryEntity, AlertSilenceEntity],
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
    receiver = new SlackReceiver();
    const apiUrl = await receiver.start();
    repository = new AlertsRepository(
      dataSource.getRepository(AlertStateEntity),
      dataSource.getRepository(AlertDeliveryEntity),
      dataSource.getRepository(AlertSilenceEntity),
    );
    const transport = new SlackTransport({ botToken: 'xoxb-test-token', apiUrl, retries: 2, timeoutMs: 5000 });
    service = new AlertsService(repository, transport, {
      rulesFile: RULES_FILE,
      dashboardUrl: 'http://127.0.0.1:3000',
    });
    await service.onModuleInit();
  });

  beforeEach(async () => {
    receiver.clear();
    await dataSource.query('TRUNCATE alert_states, alert_deliveries, alert_silences');
  });

  afterAll(async () => {
    await receiver?.stop();
    await dataSource?.destroy();
    await postgres?.drop();
  });

  it('posts one valid Block Kit message per rule and channel for hundreds of findings', async () => {
    await service.evaluateRun('run-1', [creditGroup(500)], T0);
    expect(receiver.calls.map((c) => [c.method, c.args.channel])).toEqual([['chat.postMessage', '#credit-ops']]);
    expect(receiver.calls[0].problems).toEqual([]);
    expect(JSON.stringify(receiver.calls[0].args.blocks)).toContain('exceptions?rule=credit-hold-visible');
  });

  it('does not repeat across reruns while nothing changes, and updates the same message in place on change', async () => {
    await service.evaluateRun('run-1', [creditGroup(500)], T0);
    await service.evaluateRun('run-2', [creditGroup(500)], at(10));
    expect(receiver.calls).toHaveLength(1);
    const ts = (await repository.findState('credit-ops:credit-hold-visible:#credit-ops'))?.messageTs;
    await service.evaluateRun('run-3', [creditGroup(520, 20)], at(20));
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(receiver.calls[1].args.ts).toBe(ts);
    expect(receiver.calls[1].problems).toEqual([]);
  });

  it('updates the message to resolved when the findings are gone', async () => {
    await service.evaluateRun('run-1', [creditGroup(5)], T0);
    await service.evaluateRun('run-2', [], at(30));
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(String(receiver.calls[1].args.text)).toMatch(/^Resolved: /);
    expect((await repository.findState('credit-ops:credit-hold-visible:#credit-ops'))?.status).toBe('resolved');
  });

  it('re-notifies in the thread after the interval and escalates once when unacknowledged', async () => {
    await service.evaluateRun('run-1', [creditGroup(5)], T0);
    const ts =
      receiver.calls[0].args.ts ??
      (await repository.findState('credit-ops:credit-hold-visible:#credit-ops'))?.messageTs;
    await service.evaluateRun('run-2', [creditGroup(5, 0)], at(61));
    await service.evaluateRun('run-3', [creditGroup(5, 0)], at(241));
    const calls = receiver.calls.map((c) => [c.method, c.args.channel, c.args.thread_ts ?? null]);
    expect(calls).toEqual([
      ['chat.postMessage', '#credit-ops', null],
      ['chat.update', '#credit-ops', null],
      ['chat.postMessage', '#ops-leads', null],
      ['chat.postMessage', '#credit-ops', ts],
    ]);
  });

  it('holds alerts under an active silence and posts once it has expired', async () => {
    await repository.createSilence({
      ruleId: 'credit-hold-visible',
      domain: null,
      reason: 'ERP migration weekend',
      createdBy: 'test',
      startsAt: at(-1),
      endsAt: at(60),
    });
    await service.evaluateRun('run-1', [creditGroup(5)], T0);
    expect(receiver.calls).toHaveLength(0);
    const held = await dataSource.getRepository(AlertDeliveryEntity).findBy({ status: 'held' });
    expect(held.map((d) => d.detail)).toEqual(['silenced']);
    await service.evaluateRun('run-1b', [creditGroup(5)], at(30));
    expect(await dataSource.getRepository(AlertDeliveryEntity).countBy({ status: 'held' })).toBe(1);
    await service.evaluateRun('run-2', [creditGroup(5)], at(61));
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  it('retries after a 429 with Retry-After and delivers once', async () => {
    receiver.failNext({ status: 429, retryAfterSeconds: 1 });
    await service.evaluateRun('run-1', [creditGroup(5)], T0);
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
    const sent = await dataSource.getRepository(AlertDeliveryEntity).findBy({ status: 'sent' });
    expect(sent).toHaveLength(1);
  });

  it('records a delivery that keeps failing and throws so the job is retried', async () => {
    receiver.failNext({ status: 500 }, 10);
    await expect(service.evaluateRun('run-1', [creditGroup(5)], T0)).rejects.toThrow(/alert deliveries failed/);
    const failed = await dataSource.getRepository(AlertDeliveryEntity).findBy({ status: 'failed' });
    expect(failed).toHaveLength(1);
    expect(failed[0].detail).toMatch(/Slack post to #credit-ops failed/);
    receiver.clear();
    await service.evaluateRun('run-1', [creditGroup(5)], T0);
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  it('holds deliveries, visibly, when no Slack bot token is configured', async () => {
    const unconfigured = new AlertsService(
      repository,
      new SlackTransport({ botToken: '', apiUrl: 'http://127.0.0.1:1/api/', retries: 0, timeoutMs: 1000 }),
      { rulesFile: RULES_FILE, dashboardUrl: 'http://127.0.0.1:3000' },
    );
    await unconfigured.onModuleInit();
    await expect(unconfigured.evaluateRun('run-1', [creditGroup(5)], T0)).resolves.toEqual({
      sent: 0,
      held: 1,
      failed: 0,
    });
    // Run after run the same alert stays held for the same reason: the history keeps the first.
    await expect(unconfigured.evaluateRun('run-2', [creditGroup(6)], at(1))).resolves.toEqual({
      sent: 0,
      held: 1,
      failed: 0,
    });
    const held = await dataSource.getRepository(AlertDeliveryEntity).findBy({ status: 'held' });
    expect(held.map((d) => [d.runId, d.detail])).toEqual([['run-1', 'slack_not_configured']]);
  });

  it('redraws the message when someone acknowledges, and stops escalation', async () => {
    await service.evaluateRun('run-1', [creditGroup(5)], T0);
    await service.acknowledge('credit-ops:credit-hold-visible:#credit-ops', 'U123 (ana)', at(5));
    expect(receiver.calls[1].method).toBe('chat.update');
    expect(JSON.stringify(receiver.calls[1].args.blocks)).toContain('Acknowledged by U123 (ana)');
    await service.evaluateRun('run-2', [creditGroup(5, 0)], at(90));
    expect(receiver.calls.filter((c) => c.args.channel === '#ops-leads')).toHaveLength(0);
  });
});
