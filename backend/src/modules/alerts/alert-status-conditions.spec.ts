import { alertRuleFileSchema, alertRuleSchema } from './alert-rule.schema';
import {
  RememberedAlertState,
  ConnectorView,
  evaluateAlertInputs,
  type FixupBacklogView,
  SlaRouteView,
} from './alert-evaluator';

const now = new Date('2026-11-29T12:00:00Z');

const latencyRule = alertRuleSchema.parse({
  id: 'order-latency',
  description: 'Order status propagation too slow',
  sla: { routes: ['erp_to_crm_*'], metric: 'p95_latency', windowMinutes: 60, aboveSeconds: 900, minEvents: 5 },
  route: { channel: '#order-ops' },
});
const breachRule = alertRuleSchema.parse({
  id: 'order-breach-rate',
  description: 'Too many late order statuses',
  sla: { metric: 'breach_rate', abovePercent: 5, windowMinutes: 1440 },
  route: { channel: '#order-ops' },
});
const connectorRule = alertRuleSchema.parse({
  id: 'connectors',
  description: 'Connector down or stale',
  connector: { down: true, staleAfterMinutes: 360 },
  route: { channel: '#integration-eng' },
});

const route = (overrides: Partial<SlaRouteView> = {}): SlaRouteView => ({
  ruleId: 'order.status-propagation-sla',
  route: 'erp_to_crm_order_status',
  fromSystem: 'erp',
  toSystem: 'crm',
  withinSeconds: 900,
  severity: 'high',
  domain: 'order',
  events: 100,
  delivered: 95,
  breaches: 3,
  pending: 2,
  p50Seconds: 120,
  p95Seconds: 1200,
  maxSeconds: 4000,
  ...overrides,
});

const connector = (overrides: Partial<ConnectorView> = {}): ConnectorView => ({
  id: 'crm',
  health: { up: true },
  snapshots: [{ entity: 'customer', schedules: [{}], lastComplete: {}, ageSeconds: 600 }],
  ...overrides,
});

const firing = (alertKey: string, fingerprint: string): Map<string, RememberedAlertState> =>
  new Map([
    [
      alertKey,
      {
        alertKey,
        status: 'firing',
        fingerprint,
        channel: '#order-ops',
        messageTs: '1.0',
        firstFiredAt: now,
        lastNotifiedAt: now,
        acknowledgedAt: null,
        escalatedAt: null,
        snoozedUntil: null,
      },
    ],
  ]);

describe('SLA alert conditions', () => {
  it('fires on p95 latency above the threshold for a matching route, one alert per route', () => {
    const decisions = evaluateAlertInputs(
      [latencyRule],
      { slaByWindow: new Map([[60, [route(), route({ route: 'wms_to_crm_shipment', ruleId: 'other' })]]]) },
      new Map(),
      [],
      now,
    );
    expect(decisions.map((d) => [d.action, d.alertKey])).toEqual([
      ['post', 'order-latency:order.status-propagation-sla:#order-ops'],
    ]);
    expect(decisions[0]?.group.facts?.[0]).toEqual({ label: 'p95 latency (60 min)', value: '20 min' });
    expect(decisions[0]?.group.severity).toBe('high');
  });

  it('does not fire at or below the threshold, nor with fewer delivered events than minEvents', () => {
    const inputs = (r: SlaRouteView) => ({ slaByWindow: new Map([[60, [r]]]) });
    expect(evaluateAlertInputs([latencyRule], inputs(route({ p95Seconds: 900 })), new Map(), [], now)).toEqual([]);
    expect(evaluateAlertInputs([latencyRule], inputs(route({ delivered: 4 })), new Map(), [], now)).toEqual([]);
    expect(evaluateAlertInputs([latencyRule], inputs(route({ p95Seconds: null })), new Map(), [], now)).toEqual([]);
  });

  it('computes the breach rate over judged events (events − pending)', () => {
    // 6 breaches of 98 judged = 6.1 % > 5 %; 4 of 98 = 4.1 % does not fire.
    const at = (breaches: number) =>
      evaluateAlertInputs([breachRule], { slaByWindow: new Map([[1440, [route({ breaches })]]]) }, new Map(), [], now);
    expect(at(6).map((d) => d.action)).toEqual(['post']);
    expect(at(6)[0]?.group.facts?.[0]?.value).toBe('6.1%');
    expect(at(4)).toEqual([]);
  });

  it('does not repeat while the metric is unchanged, updates when it moves and resolves when it recovers', () => {
    const inputs = (p95: number) => ({ slaByWindow: new Map([[60, [route({ p95Seconds: p95 })]]]) });
    const [post] = evaluateAlertInputs([latencyRule], inputs(1200), new Map(), [], now);
    const states = firing(post.alertKey, post.fingerprint);
    expect(evaluateAlertInputs([latencyRule], inputs(1200.2), states, [], now)).toEqual([]);
    expect(evaluateAlertInputs([latencyRule], inputs(1500), states, [], now).map((d) => d.action)).toEqual(['update']);
    expect(evaluateAlertInputs([latencyRule], inputs(600), states, [], now).map((d) => d.action)).toEqual(['resolve']);
  });

  it('leaves SLA alerts alone when only findings are evaluated (no resolve without SLA input)', () => {
    const [post] = evaluateAlertInputs([latencyRule], { slaByWindow: new Map([[60, [route()]]]) }, new Map(), [], now);
    expect(
      evaluateAlertInputs([latencyRule], { findings: [] }, firing(post.alertKey, post.fingerprint), [], now),
    ).toEqual([]);
  });
});

describe('connector alert conditions', () => {
  it('fires when the health check fails, with the detail in the message', () => {
    const [decision] = evaluateAlertInputs(
      [connectorRule],
      { connectors: [connector({ health: { up: false, detail: 'ECONNREFUSED' } })] },
      new Map(),
      [],
      now,
    );
    expect(decision?.action).toBe('post');
    expect(decision?.alertKey).toBe('connectors:connector:crm:#integration-eng');
    expect(decision?.group.title).toBe('Connector crm: health check failing');
    expect(decision?.group.facts?.[0]).toEqual({ label: 'Health', value: 'down: ECONNREFUSED' });
  });

  it('fires when a scheduled entity has no complete snapshot within the limit or never had one', () => {
    const stale = connector({
      snapshots: [
        { entity: 'customer', schedules: [{}], lastComplete: {}, ageSeconds: 7 * 3600 },
        { entity: 'order', schedules: [{}], lastComplete: null, ageSeconds: null },
        // Nobody snapshots tickets from this connector: not expected to be fresh.
        { entity: 'ticket', schedules: [], lastComplete: null, ageSeconds: null },
        { entity: 'contact', schedules: [{}], lastComplete: {}, ageSeconds: 60 },
      ],
    });
    const [decision] = evaluateAlertInputs([connectorRule], { connectors: [stale] }, new Map(), [], now);
    expect(decision?.group.title).toBe('Connector crm: stale snapshots (customer, order)');
    expect(decision?.group.facts?.[1]?.value).toBe('customer: 7.0 h ago, order: never');
  });

  it('stays quiet for a healthy, fresh connector and resolves a firing one that recovered', () => {
    expect(evaluateAlertInputs([connectorRule], { connectors: [connector()] }, new Map(), [], now)).toEqual([]);
    const [post] = evaluateAlertInputs(
      [connectorRule],
      { connectors: [connector({ health: { up: false } })] },
      new Map(),
      [],
      now,
    );
    const states = firing(post.alertKey, post.fingerprint);
    // Still down: nothing new (ages are not part of the fingerprint, only which problems there are).
    expect(
      evaluateAlertInputs([connectorRule], { connectors: [connector({ health: { up: false } })] }, states, [], now),
    ).toEqual([]);
    expect(
      evaluateAlertInputs([connectorRule], { connectors: [connector()] }, states, [], now).map((d) => d.action),
    ).toEqual(['resolve']);
  });
});

const fixupsRule = alertRuleSchema.parse({
  id: 'fixups-stuck',
  description: 'Fix-ups stuck',
  fixups: { systems: ['crm'], deadLettersAtLeast: 2, waitingLongerThanMinutes: 1440 },
  route: { channel: '#integration-eng' },
});
const backlog = (overrides: Partial<FixupBacklogView> = {}): FixupBacklogView => ({
  system: 'crm',
  deadLettered: 0,
  oldestDeadLetterAt: null,
  waitingSince: { count: 0, oldest: null },
  recentDeadLetters: [],
  ...overrides,
});
const fixupInputs = (...systems: FixupBacklogView[]) => ({ fixupsByWaitLimit: new Map([[1440, systems]]) });

describe('fix-up alert conditions', () => {
  it('fires per target system at the dead-letter threshold, with the latest failures as examples', () => {
    const dead = backlog({
      deadLettered: 2,
      oldestDeadLetterAt: new Date(now.getTime() - 3 * 3600_000),
      recentDeadLetters: [{ ruleId: 'order.status-match', matchKey: 'SO-1', lastError: 'HTTP 500 from crm' }],
    });
    const decisions = evaluateAlertInputs(
      [fixupsRule],
      fixupInputs(dead, backlog({ system: 'erp', deadLettered: 9 })),
      new Map(),
      [],
      now,
    );
    // The erp is not among the rule's systems.
    expect(decisions.map((d) => [d.action, d.alertKey])).toEqual([
      ['post', 'fixups-stuck:fixups:crm:#integration-eng'],
    ]);
    expect(decisions[0]?.group.title).toBe('Fix-ups to crm: 2 dead-lettered');
    expect(decisions[0]?.group.facts).toEqual([
      { label: 'Dead letters (fires at 2)', value: '2, oldest 3.0 h ago' },
      { label: 'Waiting for a person over 24.0 h', value: 'none' },
    ]);
    expect(decisions[0]?.group.examples).toEqual([
      { key: 'SO-1', system: 'crm', field: 'order.status-match', kind: 'dead_letter', actual: 'HTTP 500 from crm' },
    ]);
    expect(decisions[0]?.group.dashboardPath).toBe('/fix-ups?state=dead_lettered');
    expect(evaluateAlertInputs([fixupsRule], fixupInputs(backlog({ deadLettered: 1 })), new Map(), [], now)).toEqual(
      [],
    );
  });

  it('fires for tasks left waiting past the limit, updates on a new count (not as they age), resolves when cleared', () => {
    const waiting = (count: number, hours: number) =>
      fixupInputs(backlog({ waitingSince: { count, oldest: new Date(now.getTime() - hours * 3600_000) } }));
    const [post] = evaluateAlertInputs([fixupsRule], waiting(3, 30), new Map(), [], now);
    expect(post?.group.title).toBe('Fix-ups to crm: 3 waiting for a person over 24.0 h');
    expect(post?.group.dashboardPath).toBe('/fix-ups?state=needs_review');
    const states = firing(post.alertKey, post.fingerprint);
    expect(evaluateAlertInputs([fixupsRule], waiting(3, 40), states, [], now)).toEqual([]);
    expect(evaluateAlertInputs([fixupsRule], waiting(4, 40), states, [], now).map((d) => d.action)).toEqual(['update']);
    expect(evaluateAlertInputs([fixupsRule], fixupInputs(), states, [], now).map((d) => d.action)).toEqual(['resolve']);
    // Without fix-up input (a run's findings), the alert is left as it is.
    expect(evaluateAlertInputs([fixupsRule], { findings: [] }, states, [], now)).toEqual([]);
  });
});

describe('alert rule schema errors', () => {
  const problems = (alert: Record<string, unknown>): string[] => {
    const result = alertRuleFileSchema.safeParse({
      alerts: [{ id: 'x-rule', description: 'd', route: { channel: '#ops' }, ...alert }],
    });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('requires exactly one condition', () => {
    expect(problems({})).toEqual(['alerts.0: needs one condition: when (findings), sla, connector or fixups']);
    expect(problems({ when: {}, connector: { down: true } })).toEqual([
      'alerts.0: has when and connector: give exactly one condition per alert rule',
    ]);
  });

  it('names the missing or misplaced threshold of an sla condition', () => {
    expect(problems({ sla: { metric: 'p95_latency' } })).toEqual([
      'alerts.0.sla.aboveSeconds: p95_latency needs aboveSeconds',
    ]);
    expect(problems({ sla: { metric: 'breach_rate', aboveSeconds: 10, abovePercent: 5 } })).toEqual([
      'alerts.0.sla.aboveSeconds: breach_rate takes abovePercent, not aboveSeconds',
    ]);
    expect(problems({ sla: { metric: 'p99', aboveSeconds: 1 } })[0]).toMatch(/^alerts\.0\.sla\.metric: /);
  });

  it('refuses a connector condition that checks nothing, unknown keys and unknown time zones', () => {
    expect(problems({ fixups: {} })).toEqual([
      'alerts.0.fixups: a fixups condition needs deadLettersAtLeast and/or waitingLongerThanMinutes',
    ]);
    expect(problems({ connector: {} })).toEqual([
      'alerts.0.connector: a connector condition needs down: true and/or staleAfterMinutes',
    ]);
    expect(problems({ connector: { down: true, stale: 5 } })[0]).toMatch(/Unrecognized key/);
    expect(
      problems({ connector: { down: true }, quietHours: { from: '22:00', to: '06:00', timezone: 'Mars/Olympus' } }),
    ).toEqual(['alerts.0.quietHours.timezone: unknown time zone Mars/Olympus']);
  });
});

describe('digest schema errors', () => {
  const problems = (digest: Record<string, unknown>): string[] => {
    const result = alertRuleFileSchema.safeParse({
      alerts: [{ id: 'x-rule', description: 'd', route: { channel: '#ops' }, connector: { down: true } }],
      digests: [{ id: 'daily', description: 'd', channel: '#ops-leads', schedule: '0 7 * * *', ...digest }],
    });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes a digest with defaults, and names a bad cron, a six-field one and days out of range', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ schedule: '0 25 * * *' })).toEqual([
      'digests.0.schedule: not a valid cron expression (Field value (25) is out of range)',
    ]);
    expect(problems({ schedule: '0 0 7 * * *' })).toEqual([
      'digests.0.schedule: must be a five-field cron expression (minute hour day month weekday, UTC)',
    ]);
    expect(problems({ days: 0 })[0]).toMatch(/^digests\.0\.days: /);
    expect(problems({ channel: 'Ops Leads' })).toEqual(['digests.0.channel: must be a channel name or id']);
  });
});
