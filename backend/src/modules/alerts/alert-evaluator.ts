import { createHash } from 'node:crypto';
import type { FixupBacklog } from '../fixups/fixup-task';
import type { AlertStatus } from './alert-state.entity';
import type { AlertExample } from './slack/slack-message.builder';
import { AlertRule, Severity, severityRank, type SlaCondition } from './alert-rule.schema';

/** One line of a message's fields (SLA and connector alerts show these instead of finding counts). */
export interface AlertFact {
  label: string;
  value: string;
}

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
  /** Shown instead of the new/open/resolved counts. */
  facts?: AlertFact[];
  /** Dashboard path the message links to; default the exceptions view filtered to the rule. */
  dashboardPath?: string;
  /** What must change for the message to be updated; default the counts. */
  fingerprintBasis?: string;
}

/** One route's SLA over a window (structurally SlaService's RouteSla). */
export interface SlaRouteView {
  ruleId: string;
  route: string;
  fromSystem: string;
  toSystem: string;
  withinSeconds: number;
  severity: string;
  domain: string;
  events: number;
  delivered: number;
  breaches: number;
  pending: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
}

/** One connector's status (structurally ConnectorsStatusService's ConnectorStatus). */
export interface ConnectorView {
  id: string;
  health: { up: boolean; detail?: string };
  snapshots: { entity: string; schedules: unknown[]; lastComplete: unknown; ageSeconds: number | null }[];
}

/** Corrective sync to one target system that waits on someone (FixupsService.backlog). */
export type FixupBacklogView = FixupBacklog;

/**
 * What one evaluation looks at. Alert rules whose kind of input is absent are not evaluated at all
 * (in particular not resolved): findings come after each run, SLA and connector status on a schedule.
 */
export interface AlertInputs {
  /** One group per reconciliation rule that ran in the run evaluated. */
  findings?: FindingGroup[];
  /**
   * With `findings`: rules that have active findings now, whether they ran or not. A firing alert of a
   * rule that did not run (a run of chosen rules, an event's targeted run, a rule held or failed) is
   * left as it is while its rule has any; it resolves once they are gone (the rule left the pack).
   */
  rulesWithActiveFindings?: ReadonlySet<string>;
  /** SLA routes per window length in minutes (each sla rule names its window). */
  slaByWindow?: Map<number, SlaRouteView[]>;
  connectors?: ConnectorView[];
  /** Fix-up backlog per target system, per waiting limit in minutes (0 when a rule sets none). */
  fixupsByWaitLimit?: Map<number, FixupBacklogView[]>;
}

/** What is remembered of an alert (alert rule × reconciliation rule × channel) between runs. */
export interface RememberedAlertState {
  alertKey: string;
  status: AlertStatus;
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

export const ALERT_DECISION_ACTIONS = ['post', 'update', 'renotify', 'resolve', 'escalate'] as const;
export type AlertAction = (typeof ALERT_DECISION_ACTIONS)[number];

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
    .update(group.fingerprintBasis ?? `${group.counts.new}/${group.counts.open}/${group.counts.resolved}`)
    .digest('hex')
    .slice(0, 16);

function matchesRuleId(patterns: string[], ruleId: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith('*') ? ruleId.startsWith(p.slice(0, -1)) : p === ruleId));
}

/** `newAtLeast` only starts an alert; once firing it stays up while enough findings are open. */
export function fires(rule: AlertRule, group: FindingGroup, alreadyFiring = false): boolean {
  const { when } = rule;
  if (!when) return false;
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

interface Candidate {
  group: FindingGroup;
  fires: (alreadyFiring: boolean) => boolean;
}

const METRIC_LABEL: Record<SlaCondition['metric'], string> = {
  p50_latency: 'p50 latency',
  p95_latency: 'p95 latency',
  max_latency: 'max latency',
  breach_rate: 'breach rate',
};

const asSeverity = (value: string): Severity =>
  (['info', 'low', 'medium', 'high', 'critical'] as const).find((s) => s === value) ?? 'medium';

export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The metric an sla condition looks at, and whether enough events stand behind it; null without data. */
export function slaMetric(condition: SlaCondition, route: SlaRouteView): { value: number; enough: boolean } | null {
  if (condition.metric === 'breach_rate') {
    const judged = route.events - route.pending;
    if (judged <= 0) return null;
    return { value: (route.breaches / judged) * 100, enough: judged >= condition.minEvents };
  }
  const value =
    condition.metric === 'p50_latency'
      ? route.p50Seconds
      : condition.metric === 'p95_latency'
        ? route.p95Seconds
        : route.maxSeconds;
  if (value === null) return null;
  return { value, enough: route.delivered >= condition.minEvents };
}

function slaCandidates(rule: AlertRule, condition: SlaCondition, routes: SlaRouteView[]): Candidate[] {
  return routes
    .filter(
      (r) =>
        condition.routes.length === 0 ||
        matchesRuleId(condition.routes, r.route) ||
        matchesRuleId(condition.routes, r.ruleId),
    )
    .map((route) => {
      const metric = slaMetric(condition, route);
      const percent = condition.metric === 'breach_rate';
      const threshold = percent ? (condition.abovePercent ?? 0) : (condition.aboveSeconds ?? 0);
      const firing = metric !== null && metric.enough && metric.value > threshold;
      const shown = metric === null ? 'no data' : percent ? `${metric.value.toFixed(1)}%` : formatSeconds(metric.value);
      const limit = percent ? `${threshold}%` : formatSeconds(threshold);
      const judged = route.events - route.pending;
      return {
        group: {
          ruleId: route.ruleId,
          title: `SLA ${METRIC_LABEL[condition.metric]} ${route.fromSystem} → ${route.toSystem} (${route.route})`,
          domain: route.domain,
          severity: condition.severity ?? asSeverity(route.severity),
          counts: { new: 0, open: route.breaches, resolved: 0 },
          recordsChecked: 0,
          examples: [],
          facts: [
            { label: `${METRIC_LABEL[condition.metric]} (${condition.windowMinutes} min)`, value: shown },
            { label: 'Threshold', value: `above ${limit}` },
            { label: 'Route limit', value: formatSeconds(route.withinSeconds) },
            { label: 'Breaches', value: `${route.breaches} of ${judged} judged` },
          ],
          dashboardPath: `/sla?route=${encodeURIComponent(route.route)}`,
          // Rounded so jitter in the metric does not redraw the message on every check.
          fingerprintBasis: `${firing}|${metric === null ? '-' : percent ? metric.value.toFixed(1) : Math.round(metric.value)}`,
        },
        fires: () => firing,
      };
    });
}

function connectorCandidates(rule: AlertRule, connectors: ConnectorView[]): Candidate[] {
  const condition = rule.connector;
  if (!condition) return [];
  return connectors
    .filter((c) => condition.connectors.length === 0 || matchesRuleId(condition.connectors, c.id))
    .map((connector) => {
      const down = condition.down && !connector.health.up;
      const limit = condition.staleAfterMinutes;
      const stale =
        limit === undefined
          ? []
          : connector.snapshots
              .filter((s) => condition.entities.length === 0 || condition.entities.includes(s.entity))
              // Entities nobody schedules and nobody ever snapshotted are not expected to be fresh.
              .filter((s) => s.schedules.length > 0 || s.lastComplete !== null)
              .filter((s) => s.ageSeconds === null || s.ageSeconds > limit * 60);
      const problems = [
        ...(down ? ['health check failing'] : []),
        ...(stale.length > 0 ? [`stale snapshots (${stale.map((s) => s.entity).join(', ')})`] : []),
      ];
      const facts = [
        {
          label: 'Health',
          value: connector.health.up ? 'up' : `down${connector.health.detail ? `: ${connector.health.detail}` : ''}`,
        },
        ...(limit === undefined
          ? []
          : [
              {
                label: `Last complete snapshot (limit ${formatSeconds(limit * 60)})`,
                value:
                  stale.length === 0
                    ? 'all within the limit'
                    : stale
                        .map(
                          (s) =>
                            `${s.entity}: ${s.ageSeconds === null ? 'never' : `${formatSeconds(s.ageSeconds)} ago`}`,
                        )
                        .join(', '),
              },
            ]),
      ];
      return {
        group: {
          ruleId: `connector:${connector.id}`,
          title: `Connector ${connector.id}: ${problems.length > 0 ? problems.join('; ') : 'healthy and fresh'}`,
          domain: 'connectors',
          severity: condition.severity,
          counts: { new: 0, open: problems.length, resolved: 0 },
          recordsChecked: 0,
          examples: [],
          facts,
          dashboardPath: `/connectors?connector=${encodeURIComponent(connector.id)}`,
          fingerprintBasis: `${down}|${stale.map((s) => s.entity).join(',')}`,
        },
        fires: () => problems.length > 0,
      };
    });
}

const ago = (at: Date, now: Date): string => `${formatSeconds(Math.max(0, (now.getTime() - at.getTime()) / 1000))} ago`;

function fixupCandidates(rule: AlertRule, backlog: FixupBacklogView[], now: Date): Candidate[] {
  const condition = rule.fixups;
  if (!condition) return [];
  return backlog
    .filter((b) => condition.systems.length === 0 || matchesRuleId(condition.systems, b.system))
    .map((b) => {
      const dead = condition.deadLettersAtLeast !== undefined && b.deadLettered >= condition.deadLettersAtLeast;
      const limit = condition.waitingLongerThanMinutes;
      const over = limit === undefined ? '' : `over ${formatSeconds(limit * 60)}`;
      const waiting = limit !== undefined && b.waitingSince.count > 0;
      const problems = [
        ...(dead ? [`${b.deadLettered} dead-lettered`] : []),
        ...(waiting ? [`${b.waitingSince.count} waiting for a person ${over}`] : []),
      ];
      const counted = (n: number, oldest: Date | null) =>
        n === 0 ? 'none' : `${n}${oldest ? `, oldest ${ago(oldest, now)}` : ''}`;
      const facts: AlertFact[] = [
        ...(condition.deadLettersAtLeast === undefined
          ? []
          : [
              {
                label: `Dead letters (fires at ${condition.deadLettersAtLeast})`,
                value: counted(b.deadLettered, b.oldestDeadLetterAt),
              },
            ]),
        ...(limit === undefined
          ? []
          : [
              {
                label: `Waiting for a person ${over}`,
                value: counted(b.waitingSince.count, b.waitingSince.oldest),
              },
            ]),
      ];
      return {
        group: {
          ruleId: `fixups:${b.system}`,
          title: `Fix-ups to ${b.system}: ${problems.length > 0 ? problems.join('; ') : 'none stuck'}`,
          domain: 'fixups',
          severity: condition.severity,
          counts: { new: 0, open: b.deadLettered + b.waitingSince.count, resolved: 0 },
          recordsChecked: 0,
          examples: dead
            ? b.recentDeadLetters.map((d) => ({
                key: d.matchKey,
                system: b.system,
                field: d.ruleId,
                kind: 'dead_letter',
                ...(d.lastError ? { actual: d.lastError } : {}),
              }))
            : [],
          facts,
          dashboardPath: `/fix-ups?state=${dead ? 'dead_lettered' : 'needs_review'}`,
          // The counts, not the ages: the message changes when tasks arrive or leave, not as time passes.
          fingerprintBasis: `${dead ? b.deadLettered : 0}|${waiting ? b.waitingSince.count : 0}`,
        },
        fires: () => problems.length > 0,
      };
    });
}

function candidatesOf(rule: AlertRule, inputs: AlertInputs, now: Date): Candidate[] | null {
  if (rule.when) {
    if (!inputs.findings) return null;
    const when = rule.when;
    return inputs.findings
      .filter(
        (group) =>
          matchesRuleId(when.rules, group.ruleId) &&
          (when.domains.length === 0 || when.domains.includes(group.domain)) &&
          (when.owners.length === 0 || when.owners.includes(group.owner ?? '')),
      )
      .map((group) => ({ group, fires: (alreadyFiring: boolean) => fires(rule, group, alreadyFiring) }));
  }
  if (rule.sla) {
    const routes = inputs.slaByWindow?.get(rule.sla.windowMinutes);
    return routes ? slaCandidates(rule, rule.sla, routes) : null;
  }
  if (rule.connector) return inputs.connectors ? connectorCandidates(rule, inputs.connectors) : null;
  if (rule.fixups) {
    const backlog = inputs.fixupsByWaitLimit?.get(rule.fixups.waitingLongerThanMinutes ?? 0);
    return backlog ? fixupCandidates(rule, backlog, now) : null;
  }
  return null;
}

/** Findings only: what each alert should do after one reconciliation run. */
export function evaluateAlerts(
  rules: AlertRule[],
  groups: FindingGroup[],
  states: Map<string, RememberedAlertState>,
  silences: SilenceView[],
  now: Date,
): AlertDecision[] {
  return evaluateAlertInputs(rules, { findings: groups }, states, silences, now);
}

/**
 * Decides what each alert should do: one decision per alert rule × routing key (reconciliation rule,
 * SLA route or connector) × channel, never one per record. Pure: the service carries the decisions out.
 */
export function evaluateAlertInputs(
  rules: AlertRule[],
  inputs: AlertInputs,
  states: Map<string, RememberedAlertState>,
  silences: SilenceView[],
  now: Date,
): AlertDecision[] {
  const decisions: AlertDecision[] = [];
  for (const rule of rules) {
    const candidates = candidatesOf(rule, inputs, now);
    if (candidates === null) continue;
    const seen = new Set<string>();
    for (const { group, fires: firesNow } of candidates) {
      const alertKey = alertKeyOf(rule, group.ruleId);
      seen.add(alertKey);
      const state = states.get(alertKey);
      const fingerprint = fingerprintOf(group);
      const base = { alertKey, alertRuleId: rule.id, channel: rule.route.channel, group, fingerprint };
      const isFiring = state?.status === 'firing';
      const firing = firesNow(isFiring);
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
      if (rule.when && inputs.rulesWithActiveFindings?.has(ruleId)) continue;
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
