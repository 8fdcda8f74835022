import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AlertDecision, AlertInputs, evaluateAlertInputs, FindingGroup } from './alert-evaluator';
import type { AlertRule, DigestRule } from './alert-rule.schema';
import { loadAlertRules } from './alert-rules.loader';
import type {
  AlertDeliveryEntity,
  AlertDeliveryStatus,
  AlertStateEntity,
  AlertStateFilter,
} from './alert-state.entity';
import { toAlertStateView, type AlertStateList } from './alert-state-view';
import type { AlertDeliveryDayDto, AlertDeliveryView } from './alerts.dto';
import { AlertsRepository } from './alerts.repository';
import { buildAlertMessage, type SlackMessage } from './slack/slack-message.builder';
import { SlackTransport } from './slack/slack-transport';

export const ALERTS_SETTINGS = Symbol('ALERTS_SETTINGS');
export interface AlertsSettings {
  rulesFile: string;
  dashboardUrl: string;
}

export interface RunAlertOutcome {
  sent: number;
  held: number;
  failed: number;
}

const SNOOZE_LIMIT_MS = 7 * 24 * 3_600_000;
const DAY_MS = 86_400_000;

/** Carries out alert decisions: posts, updates in place, thread re-notifications, escalations. */
@Injectable()
export class AlertsService implements OnModuleInit {
  private readonly logger = new Logger(AlertsService.name);
  private rules: AlertRule[] = [];
  private digestRules: DigestRule[] = [];

  constructor(
    private readonly repository: AlertsRepository,
    private readonly slack: SlackTransport,
    @Inject(ALERTS_SETTINGS) private readonly settings: AlertsSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = await loadAlertRules(this.settings.rulesFile);
    this.rules = file.alerts;
    this.digestRules = file.digests;
  }

  alertRules(): AlertRule[] {
    return this.rules;
  }

  /** The scheduled digests of the alert rules file. */
  digests(): DigestRule[] {
    return this.digestRules;
  }

  /**
   * Evaluates one reconciliation run's finding groups. Each decision is recorded as it is carried
   * out, so a retried job does not repeat what already went out; failures are recorded and thrown.
   */
  evaluateRun(
    runId: string,
    groups: FindingGroup[],
    now = new Date(),
    rulesWithActiveFindings?: ReadonlySet<string>,
  ): Promise<RunAlertOutcome> {
    return this.evaluate(runId, { findings: groups, rulesWithActiveFindings }, now);
  }

  /**
   * Evaluates the alert rules whose inputs are given (findings, SLA routes per window, connector
   * status); `source` names what triggered it in the delivery history (a run id, `status:<time>`).
   */
  async evaluate(source: string, inputs: AlertInputs, now = new Date()): Promise<RunAlertOutcome> {
    const runId = source;
    const states = await this.repository.loadStates();
    const silences = await this.repository.activeSilences(now);
    const decisions = evaluateAlertInputs(this.rules, inputs, states, silences, now);
    const outcome: RunAlertOutcome = { sent: 0, held: 0, failed: 0 };
    const errors: string[] = [];
    const latest = await this.repository.latestDeliveries([...new Set(decisions.map((d) => d.alertKey))]);
    for (const decision of decisions) {
      const heldBecause = decision.heldBecause ?? this.slack.undeliverable(decision.channel);
      if (heldBecause) {
        // Held again for the same reason (nothing goes out, so nothing moves on): the history keeps the
        // first of the spell instead of a row per run, every few seconds with event-triggered runs.
        const last = latest.get(decision.alertKey);
        if (last?.status !== 'held' || last.action !== decision.action || last.detail !== heldBecause) {
          await this.record(decision, runId, 'held', heldBecause, null);
          latest.set(decision.alertKey, { action: decision.action, status: 'held', detail: heldBecause });
        }
        outcome.held += 1;
        continue;
      }
      try {
        const ts = await this.carryOut(decision, states.get(decision.alertKey)?.entity ?? null, now);
        await this.record(decision, runId, 'sent', null, ts);
        latest.set(decision.alertKey, { action: decision.action, status: 'sent', detail: null });
        outcome.sent += 1;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.record(decision, runId, 'failed', message, null);
        latest.set(decision.alertKey, { action: decision.action, status: 'failed', detail: message });
        this.logger.warn(`alert ${decision.alertKey} ${decision.action} failed: ${message}`);
        errors.push(message);
        outcome.failed += 1;
      }
    }
    if (errors.length > 0) throw new Error(`${errors.length} alert deliveries failed: ${errors.join('; ')}`);
    return outcome;
  }

  /**
   * Alerts as they stand. States are kept for alerts that reached Slack (the message they update in
   * place); without Slack configured none are, and decisions show as held deliveries instead.
   */
  async listStates(filter: { status: AlertStateFilter; limit: number }): Promise<AlertStateList> {
    const states = await this.repository.listStates(filter);
    return { slackConfigured: this.slack.configured, items: states.map(toAlertStateView) };
  }

  async listDeliveries(filter: { limit: number; before?: string; alertKey?: string }): Promise<AlertDeliveryView[]> {
    return (await this.repository.listDeliveries(filter)).map(toDeliveryView);
  }

  /** Deliveries per UTC day of [from, to) by status: every day of the range, those without any as zeros. */
  async deliveriesPerDay(from: Date, to: Date): Promise<AlertDeliveryDayDto[]> {
    const days = new Map<string, AlertDeliveryDayDto>();
    const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
    for (let at = first; at < to.getTime(); at += DAY_MS) {
      const day = new Date(at).toISOString().slice(0, 10);
      days.set(day, { day, sent: 0, held: 0, failed: 0 });
    }
    for (const { day, status, n } of await this.repository.deliveryCountsByDay(from, to)) {
      const row = days.get(day);
      if (row && (status === 'sent' || status === 'held' || status === 'failed')) row[status] += n;
    }
    return [...days.values()];
  }

  async acknowledge(alertKey: string, user: string, now = new Date()): Promise<void> {
    const state = await this.requireState(alertKey);
    await this.repository.saveState({ alertKey, acknowledgedBy: user, acknowledgedAt: now });
    await this.refreshMessage({ ...state, acknowledgedBy: user, acknowledgedAt: now });
  }

  async snooze(alertKey: string, until: Date, now = new Date()): Promise<void> {
    if (until.getTime() <= now.getTime() || until.getTime() - now.getTime() > SNOOZE_LIMIT_MS) {
      throw new RangeError('a snooze must end in the future and within 7 days');
    }
    const state = await this.requireState(alertKey);
    await this.repository.saveState({ alertKey, snoozedUntil: until });
    await this.refreshMessage({ ...state, snoozedUntil: until });
  }

  findState(alertKey: string): Promise<AlertStateEntity | null> {
    return this.repository.findState(alertKey);
  }

  private async requireState(alertKey: string) {
    const state = await this.repository.findState(alertKey);
    if (!state) throw new AlertNotFoundError(alertKey);
    return state;
  }

  /**
   * Redraws the alert's message after an acknowledgement or snooze. A message someone deleted is
   * forgotten instead (the decision stands; the alert's next delivery posts a new message).
   */
  private async refreshMessage(state: AlertStateEntity): Promise<void> {
    const last = state.lastMessage;
    if (!state.messageChannel || !state.messageTs || !last) return;
    const gone = await this.slack.update(
      state.messageChannel,
      state.messageTs,
      buildAlertMessage({
        ...last,
        updatedAt: new Date(last.updatedAt),
        acknowledgedBy: state.acknowledgedBy ?? undefined,
        snoozedUntil: state.snoozedUntil ?? undefined,
      }),
    );
    if (gone) {
      this.logger.warn(`alert ${state.alertKey}: its Slack message is gone (${gone}); the next delivery posts anew`);
      await this.repository.saveState({ alertKey: state.alertKey, messageTs: null, messageUrl: null });
    }
  }

  private linkOf(posted: { channel: string; ts: string | null }): Promise<string | null> {
    return posted.ts ? this.slack.permalink(posted.channel, posted.ts) : Promise.resolve(null);
  }

  /**
   * Edits the alert's message in place; posts a new one (returned, to be kept) when the alert has none
   * (webhooks cannot edit) or Slack says it is gone: deleted by someone, the alert goes on regardless.
   */
  private async updateOrRepost(
    state: { messageChannel: string | null; messageTs: string | null } | null,
    channel: string,
    message: SlackMessage,
  ): Promise<{ channel: string; ts: string | null } | null> {
    if (state?.messageChannel && state.messageTs) {
      const gone = await this.slack.update(state.messageChannel, state.messageTs, message);
      if (!gone) return null;
      this.logger.warn(`alert message ${state.messageTs} in ${state.messageChannel} is gone (${gone}): posting anew`);
    }
    return this.slack.post(channel, message);
  }

  private async carryOut(
    decision: AlertDecision,
    state: { messageChannel: string | null; messageTs: string | null; firstFiredAt: Date } | null,
    now: Date,
  ): Promise<string | null> {
    const input = {
      alertId: decision.alertKey,
      title: decision.group.title,
      ruleId: decision.group.ruleId,
      severity: decision.group.severity,
      domain: decision.group.domain,
      state: decision.action === 'resolve' ? ('resolved' as const) : ('firing' as const),
      counts: {
        ...decision.group.counts,
        affectedPercent:
          decision.group.recordsChecked > 0
            ? (decision.group.counts.open / decision.group.recordsChecked) * 100
            : undefined,
      },
      examples: decision.group.examples,
      ...(decision.group.facts ? { facts: decision.group.facts } : {}),
      dashboardUrl: `${this.settings.dashboardUrl}${
        decision.group.dashboardPath ?? `/exceptions?rule=${encodeURIComponent(decision.group.ruleId)}`
      }`,
      updatedAt: now,
    };
    const message = buildAlertMessage(input);
    const stored = { ...input, updatedAt: now.toISOString() };
    const base = { alertKey: decision.alertKey, alertRuleId: decision.alertRuleId, ruleId: decision.group.ruleId };
    switch (decision.action) {
      case 'post': {
        const posted = await this.slack.post(decision.channel, message);
        await this.repository.saveState({
          ...base,
          channel: decision.channel,
          status: 'firing',
          fingerprint: decision.fingerprint,
          lastMessage: stored,
          messageChannel: posted.channel,
          messageTs: posted.ts,
          messageUrl: await this.linkOf(posted),
          firstFiredAt: now,
          lastNotifiedAt: now,
          resolvedAt: null,
          acknowledgedAt: null,
          acknowledgedBy: null,
          escalatedAt: null,
          snoozedUntil: null,
        });
        return posted.ts;
      }
      case 'update':
      case 'resolve': {
        const reposted = await this.updateOrRepost(state, decision.channel, message);
        await this.repository.saveState({
          ...base,
          fingerprint: decision.fingerprint,
          lastMessage: stored,
          ...(reposted
            ? { messageChannel: reposted.channel, messageTs: reposted.ts, messageUrl: await this.linkOf(reposted) }
            : {}),
          ...(decision.action === 'resolve' ? { status: 'resolved' as const, resolvedAt: now } : {}),
        });
        return reposted ? reposted.ts : (state?.messageTs ?? null);
      }
      case 'renotify': {
        const reply = buildAlertMessage({ ...input, title: `Still firing: ${input.title}` });
        const posted = await this.slack.post(
          state?.messageChannel ?? decision.channel,
          reply,
          state?.messageTs ?? undefined,
        );
        await this.repository.saveState({ ...base, lastNotifiedAt: now });
        return posted.ts;
      }
      case 'escalate': {
        const escalation = buildAlertMessage({ ...input, title: `Escalated (unacknowledged): ${input.title}` });
        const posted = await this.slack.post(decision.channel, escalation);
        await this.repository.saveState({ ...base, escalatedAt: now });
        return posted.ts;
      }
    }
  }

  private record(
    decision: AlertDecision,
    runId: string,
    status: AlertDeliveryStatus,
    detail: string | null,
    messageTs: string | null,
  ): Promise<void> {
    return this.repository.recordDelivery({
      alertKey: decision.alertKey,
      runId,
      action: decision.action,
      channel: decision.channel,
      status,
      detail,
      messageTs,
      attempts: 1,
    });
  }
}

const toDeliveryView = (delivery: AlertDeliveryEntity): AlertDeliveryView => ({
  id: delivery.id,
  alertKey: delivery.alertKey,
  runId: delivery.runId,
  action: delivery.action,
  channel: delivery.channel,
  status: delivery.status,
  detail: delivery.detail,
  messageTs: delivery.messageTs,
  attempts: delivery.attempts,
  createdAt: delivery.createdAt.toISOString(),
});

export class AlertNotFoundError extends Error {
  constructor(alertKey: string) {
    super(`no alert ${alertKey}`);
    this.name = 'AlertNotFoundError';
  }
}
