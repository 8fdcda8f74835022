import { alertRuleSchema } from './alert-rule.schema';
import { RememberedAlertState, evaluateAlertInputs, evaluateAlerts, FindingGroup } from './alert-evaluator';

const rule = alertRuleSchema.parse({
  id: 'credit-ops',
  description: 'Credit drift to the credit team',
  when: { domains: ['credit'], minSeverity: 'medium' },
  route: { channel: '#credit-ops', escalateTo: '#ops-leads', escalateAfterMinutes: 60 },
  renotifyAfterMinutes: 240,
});

const group = (overrides: Partial<FindingGroup> = {}): FindingGroup => ({
  ruleId: 'credit-hold-visible',
  title: 'Credit holds not visible in CRM',
  domain: 'credit',
  severity: 'high',
  counts: { new: 3, open: 10, resolved: 0 },
  recordsChecked: 1000,
  examples: [],
  ...overrides,
});

const now = new Date('2026-11-29T12:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

function firingState(
  fingerprintFrom: FindingGroup,
  overrides: Partial<RememberedAlertState> = {},
): Map<string, RememberedAlertState> {
  const [first] = evaluateAlerts([rule], [fingerprintFrom], new Map(), [], now);
  return new Map([
    [
      first.alertKey,
      {
        alertKey: first.alertKey,
        status: 'firing',
        fingerprint: first.fingerprint,
        channel: '#credit-ops',
        messageTs: '1.0',
        firstFiredAt: minutesAgo(10),
        lastNotifiedAt: minutesAgo(10),
        acknowledgedAt: null,
        escalatedAt: null,
        snoozedUntil: null,
        ...overrides,
      },
    ],
  ]);
}

describe('evaluateAlerts', () => {
  it('posts one message per rule and channel, however many records', () => {
    const decisions = evaluateAlerts(
      [rule],
      [group({ counts: { new: 5000, open: 5000, resolved: 0 } })],
      new Map(),
      [],
      now,
    );
    expect(decisions.map((d) => [d.action, d.channel])).toEqual([['post', '#credit-ops']]);
  });

  it('ignores groups of other domains and below the severity floor', () => {
    expect(
      evaluateAlerts([rule], [group({ domain: 'order' }), group({ ruleId: 'x', severity: 'low' })], new Map(), [], now),
    ).toEqual([]);
  });

  it('routes by the owning team of the reconciliation rule', () => {
    const team = alertRuleSchema.parse({ ...rule, when: { ...rule.when, owners: ['credit-control'] } });
    expect(evaluateAlerts([team], [group({ owner: 'sales-ops' })], new Map(), [], now)).toEqual([]);
    expect(evaluateAlerts([team], [group({ owner: 'credit-control' })], new Map(), [], now)).toHaveLength(1);
  });

  it('sends nothing on a rerun when nothing changed', () => {
    expect(evaluateAlerts([rule], [group()], firingState(group()), [], now)).toEqual([]);
  });

  it('updates in place when counts change', () => {
    const decisions = evaluateAlerts(
      [rule],
      [group({ counts: { new: 1, open: 11, resolved: 0 } })],
      firingState(group()),
      [],
      now,
    );
    expect(decisions.map((d) => d.action)).toEqual(['update']);
  });

  it('leaves a firing alert alone when its rule did not run but still has active findings', () => {
    const states = firingState(group());
    const otherRuleRan = [group({ ruleId: 'credit-terms', counts: { new: 0, open: 0, resolved: 0 } })];
    const inputs = (active: string[]) => ({ findings: otherRuleRan, rulesWithActiveFindings: new Set(active) });
    expect(evaluateAlertInputs([rule], inputs(['credit-hold-visible']), states, [], now)).toEqual([]);
    // Its findings retired (the rule left the pack): nothing is open any more.
    expect(evaluateAlertInputs([rule], inputs([]), states, [], now).map((d) => d.action)).toEqual(['resolve']);
  });

  it('resolves when the findings are gone or below the threshold', () => {
    expect(evaluateAlerts([rule], [], firingState(group()), [], now).map((d) => d.action)).toEqual(['resolve']);
    const below = group({ counts: { new: 0, open: 0, resolved: 10 } });
    expect(evaluateAlerts([rule], [below], firingState(group()), [], now).map((d) => d.action)).toEqual(['resolve']);
  });

  it('starts on new findings but stays firing while they remain open', () => {
    const onNew = alertRuleSchema.parse({ ...rule, when: { ...rule.when, newAtLeast: 1 } });
    expect(evaluateAlerts([onNew], [group({ counts: { new: 0, open: 10, resolved: 0 } })], new Map(), [], now)).toEqual(
      [],
    );
    const states = firingState(group());
    const decisions = evaluateAlerts([onNew], [group({ counts: { new: 0, open: 10, resolved: 0 } })], states, [], now);
    expect(decisions.map((d) => d.action)).toEqual(['update']);
  });

  it('re-notifies after the interval while still firing', () => {
    const states = firingState(group(), { lastNotifiedAt: minutesAgo(241), firstFiredAt: minutesAgo(20) });
    expect(evaluateAlerts([rule], [group()], states, [], now).map((d) => d.action)).toEqual(['renotify']);
  });

  it('escalates once when unacknowledged past the limit, not when acknowledged', () => {
    const old = firingState(group(), { firstFiredAt: minutesAgo(61) });
    const escalation = evaluateAlerts([rule], [group()], old, [], now);
    expect(escalation.map((d) => [d.action, d.channel])).toEqual([['escalate', '#ops-leads']]);
    const acked = firingState(group(), { firstFiredAt: minutesAgo(61), acknowledgedAt: minutesAgo(5) });
    expect(evaluateAlerts([rule], [group()], acked, [], now)).toEqual([]);
    const done = firingState(group(), { firstFiredAt: minutesAgo(120), escalatedAt: minutesAgo(30) });
    expect(evaluateAlerts([rule], [group()], done, [], now)).toEqual([]);
  });

  it('holds a new alert while a matching silence is active, not after it expires', () => {
    const silence = { ruleId: 'credit-hold-visible', domain: null, startsAt: minutesAgo(5), endsAt: minutesAgo(-5) };
    expect(evaluateAlerts([rule], [group()], new Map(), [silence], now)[0].heldBecause).toBe('silenced');
    const expired = { ...silence, endsAt: minutesAgo(1) };
    expect(evaluateAlerts([rule], [group()], new Map(), [expired], now)[0].heldBecause).toBeUndefined();
  });

  it('holds non-critical alerts in quiet hours, but not critical ones', () => {
    const quiet = alertRuleSchema.parse({
      ...rule,
      quietHours: { from: '22:00', to: '07:00', timezone: 'Europe/Berlin' },
    });
    const night = new Date('2026-11-29T23:30:00Z');
    expect(evaluateAlerts([quiet], [group()], new Map(), [], night)[0].heldBecause).toBe('quiet_hours');
    expect(
      evaluateAlerts([quiet], [group({ severity: 'critical' })], new Map(), [], night)[0].heldBecause,
    ).toBeUndefined();
    expect(evaluateAlerts([quiet], [group()], new Map(), [], now)[0].heldBecause).toBeUndefined();
  });

  it('holds re-notification while snoozed', () => {
    const states = firingState(group(), { lastNotifiedAt: minutesAgo(300), snoozedUntil: minutesAgo(-30) });
    expect(evaluateAlerts([rule], [group()], states, [], now)[0]).toMatchObject({
      action: 'renotify',
      heldBecause: 'snoozed',
    });
  });
});
