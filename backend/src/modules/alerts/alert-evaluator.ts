import { createHash } from 'node:crypto';
import type { AlertExample } from './slack/slack-message.builder';
import { AlertRule, Severity, severityRank } from './alert-rule.schema';

/** The findings of one reconciliation rule after a run, as alerting sees them. */
export interface FindingGroup {
  ruleId: string;
  title: string;
  domain: string;
  /** The team owning the reconciliation rule. */
  owner?: string;
  severity: Severity;
  counts: { new: number; open: number; resolved: number };
  /** Records the rule looked at, for a percentage. */
  recordsChecked: number;
  examples: AlertExample[];
}

/** What is remembered of an alert (alert rule × reconciliation rule × channel) between runs. */
export interface AlertStateView {
  alertKey: string;
  status: 'firing' | 'resolved';
  fingerprint: string;
  channel: string;
  messageTs: string | null;
  firstFiredAt: Date;
  lastNotifiedAt: Date | null;
  acknowledgedAt: Date | null;
  escalatedAt: Date | null;
  snoozedUntil: Date | null;
}

export interface SilenceView {
  ruleId: string | null;
  domain: string | null;
  endsAt: Date;
  startsAt: Date;
}

export type AlertAction = 'post' | 'update' | 'renotify' | 'resolve' | 'escalate';

export interface AlertDecision {
  alertKey: string;
  alertRuleId: string;
  action: AlertAction;
  channel: string;
  group: FindingGroup;
  fingerprint: string;
  /** Why nothing was sent, when a decision was held back (quiet hours, silence, snooze). */
  heldBecause?: 'silenced' | 'quiet_hours' | 'snoozed';
}

export const alertKeyOf = (rule: AlertRule, ruleId: string): string => `${rule.id}:${ruleId}:${rule.route.channel}`;

const fingerprintOf = (group: FindingGroup): string =>
  createHash('sha256')
    .update(`${group.counts.new}/${group.counts.open}/${group.counts.resolved}`)
    .digest('hex')
    .slice(0, 16);

function matchesRuleId(patterns: string[], ruleId: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith('*') ? ruleId.startsWith(p.slice(0, -1)) : p === ruleId));
}

/** `newAtLeast` only starts an alert; once firing it stays up while enough findings are open. */
export function fires(rule: AlertRule, group: FindingGroup, alreadyFiring = false): boolean {
  const { when } = rule;
  const percent = group.recordsChecked > 0 ? (group.counts.open / group.recordsChecked) * 100 : 0;
  return (
    matchesRuleId(when.rules, group.ruleId) &&
    (when.domains.length === 0 || when.domains.includes(group.domain)) &&
    severityRank(group.severity) >= severityRank(when.minSeverity) &&
    (alreadyFiring || group.counts.new >= when.newAtLeast) &&
    group.counts.open >= when.openAtLeast &&
    percent >= when.affectedPercentAtLeast
  );
}

function minutesOfDay(at: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return (Number(parts.hour) % 24) * 60 + Number(parts.minute);
}

export function inQuietHours(rule: AlertRule, group: FindingGroup, now: Date): boolean {
  if (!rule.quietHours || group.severity === 'critical') return false;
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const from = toMinutes(rule.quietHours.from);
  const to = toMinutes(rule.quietHours.to);
  const current = minutesOfDay(now, rule.quietHours.timezone);
  return from <= to ? current >= from && current < to : current >= from || current < to;
}

const silenced = (silences: SilenceView[], group: FindingGroup, now: Date): boolean =>
  silences.some(
    (s) =>
      s.startsAt <= now &&
      s.endsAt > now &&
      (s.ruleId === null || s.ruleId === group.ruleId) &&
      (s.domain === null || s.domain === group.domain),
  );

/**
 * Decides, for one run, what each alert should do: one decision per alert rule × reconciliation
 * rule × channel, never one per record. Pure: the service carries the decisions out.
 */
export function evaluateAlerts(
  rules: AlertRule[],
  groups: FindingGroup[],
  states: Map<string, AlertStateView>,
  silences: SilenceView[],
  now: Date,
): AlertDecision[] {
  const decisions: AlertDecision[] = [];
  for (const rule of rules) {
    const seen = new Set<string>();
    for (const group of groups) {
      if (!matchesRuleId(rule.when.rules, group.ruleId)) continue;
      if (rule.when.domains.length > 0 && !rule.when.domains.includes(group.domain)) continue;
      if (rule.when.owners.length > 0 && !rule.when.owners.includes(group.owner ?? '')) continue;
      const alertKey = alertKeyOf(rule, group.ruleId);
      seen.add(alertKey);
      const state = states.get(alertKey);
      const fingerprint = fingerprintOf(group);
      const base = { alertKey, alertRuleId: rule.id, channel: rule.route.channel, group, fingerprint };
      const isFiring = state?.status === 'firing';
      const firing = fires(rule, group, isFiring);
      if (!firing) {
        if (isFiring) decisions.push({ ...base, action: 'resolve' });
        continue;
      }
      const hold = silenced(silences, group, now)
        ? ('silenced' as const)
        : inQuietHours(rule, group, now)
          ? ('quiet_hours' as const)
          : undefined;
      if (!isFiring) {
        decisions.push({ ...base, action: 'post', heldBecause: hold });
        continue;
      }
      if (state.fingerprint !== fingerprint) decisions.push({ ...base, action: 'update' });
      const snoozed = state.snoozedUntil !== null && state.snoozedUntil > now ? ('snoozed' as const) : undefined;
      const lastNotified = state.lastNotifiedAt ?? state.firstFiredAt;
      if (now.getTime() - lastNotified.getTime() >= rule.renotifyAfterMinutes * 60_000) {
        decisions.push({ ...base, action: 'renotify', heldBecause: hold ?? snoozed });
      }
      const escalateDue = now.getTime() - state.firstFiredAt.getTime() >= rule.route.escalateAfterMinutes * 60_000;
      if (rule.route.escalateTo && escalateDue && !state.acknowledgedAt && !state.escalatedAt) {
        decisions.push({ ...base, action: 'escalate', channel: rule.route.escalateTo, heldBecause: hold ?? snoozed });
      }
    }
    // A firing alert whose rule produced no group this run has nothing open any more.
    for (const [alertKey, state] of states) {
      if (state.status !== 'firing' || seen.has(alertKey) || !alertKey.startsWith(`${rule.id}:`)) continue;
      const ruleId = alertKey.slice(rule.id.length + 1, alertKey.length - rule.route.channel.length - 1);
      decisions.push({
        alertKey,
        alertRuleId: rule.id,
        action: 'resolve',
        channel: state.channel,
        fingerprint: 'resolved',
        group: {
          ruleId,
          title: ruleId,
          domain: '',
          severity: 'low',
          counts: { new: 0, open: 0, resolved: 0 },
          recordsChecked: 0,
          examples: [],
        },
      });
    }
  }
  return decisions;
}
