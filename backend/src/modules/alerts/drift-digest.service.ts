import { Inject, Injectable, Logger } from '@nestjs/common';
import { DashboardService } from '../dashboard/dashboard.service';
import type { DigestRule } from './alert-rule.schema';
import { AlertsRepository } from './alerts.repository';
import { ALERTS_SETTINGS, AlertsService, type AlertsSettings } from './alerts.service';
import { buildDigestMessage, type DigestFigures } from './slack/digest-message.builder';
import { SlackTransport } from './slack/slack-transport';

const DAY_MS = 86_400_000;
const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);
const startOfDay = (day: string): number => Date.parse(`${day}T00:00:00Z`);

export class DigestNotFoundError extends Error {
  constructor(id: string, known: readonly string[]) {
    super(
      `no digest ${id}${known.length > 0 ? ` (the alert rules file has ${known.join(', ')})` : ' (the alert rules file has none)'}`,
    );
    this.name = 'DigestNotFoundError';
  }
}

export interface DigestOutcome {
  digestId: string;
  channel: string;
  /** `already_sent`: a retried scheduled job whose slot went out before. */
  status: 'sent' | 'held' | 'failed' | 'already_sent';
  /** Why it was held, or the error it failed with. */
  detail: string | null;
  fromDay: string;
  toDay: string;
  messageTs: string | null;
}

/**
 * Sends the alert rules file's digests: the dashboard overview's figures for the days a digest
 * covers, as one Slack message, recorded as a delivery (alert key `digest:<id>`) like any alert's. A
 * scheduled slot is sent once however often its job runs; one sent from the API covers today so far.
 */
@Injectable()
export class DriftDigestService {
  private readonly logger = new Logger(DriftDigestService.name);

  constructor(
    private readonly alerts: AlertsService,
    private readonly dashboard: DashboardService,
    private readonly repository: AlertsRepository,
    private readonly slack: SlackTransport,
    @Inject(ALERTS_SETTINGS) private readonly settings: AlertsSettings,
  ) {}

  list(): DigestRule[] {
    return this.alerts.digests();
  }

  find(id: string): DigestRule {
    const digest = this.list().find((d) => d.id === id);
    if (!digest)
      throw new DigestNotFoundError(
        id,
        this.list().map((d) => d.id),
      );
    return digest;
  }

  /** The scheduled slot's digest: the `days` whole UTC days before the slot's day. Throws when Slack fails (Bull retries). */
  async sendScheduled(id: string, slot: Date): Promise<DigestOutcome> {
    const digest = this.find(id);
    const toDay = dayOf(slot.getTime() - DAY_MS);
    const outcome = await this.send(digest, toDay, `digest:${slot.toISOString()}`, slot);
    if (outcome.status === 'failed') throw new Error(`digest ${id} failed: ${outcome.detail ?? ''}`);
    return outcome;
  }

  /** Sends a digest now, covering its days up to and including today (so far). */
  sendNow(id: string, now = new Date()): Promise<DigestOutcome> {
    return this.send(this.find(id), dayOf(now.getTime()), `digest:manual:${now.toISOString()}`, now);
  }

  private async send(digest: DigestRule, toDay: string, runId: string, now: Date): Promise<DigestOutcome> {
    const alertKey = `digest:${digest.id}`;
    const fromDay = dayOf(startOfDay(toDay) - (digest.days - 1) * DAY_MS);
    const base = { digestId: digest.id, channel: digest.channel, fromDay, toDay };
    if (await this.repository.wasSent(alertKey, runId))
      return { ...base, status: 'already_sent', detail: null, messageTs: null };
    const record = async (status: 'sent' | 'held' | 'failed', detail: string | null, messageTs: string | null) => {
      await this.repository.recordDelivery({
        alertKey,
        runId,
        action: 'digest',
        channel: digest.channel,
        status,
        detail,
        messageTs,
        attempts: 1,
      });
      return { ...base, status, detail, messageTs };
    };
    const held = this.slack.undeliverable(digest.channel);
    if (held) return record('held', held, null);
    const figures = await this.figures(digest, fromDay, toDay, now);
    try {
      const posted = await this.slack.post(digest.channel, buildDigestMessage(figures));
      return await record('sent', null, posted.ts);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`digest ${digest.id} failed: ${message}`);
      return record('failed', message, null);
    }
  }

  private async figures(digest: DigestRule, fromDay: string, toDay: string, now: Date): Promise<DigestFigures> {
    const from = new Date(startOfDay(fromDay));
    // The last day ends at its midnight, or now when it is today.
    const to = new Date(Math.min(startOfDay(toDay) + DAY_MS - 1, now.getTime()));
    const systems = digest.systems.length > 0 ? digest.systems : undefined;
    const [overview, trends] = await Promise.all([
      this.dashboard.overview({ from, to, systems, top: Math.max(1, digest.topRules) }),
      // From the day before the first: its end is the open count the period started with.
      this.dashboard.trends({
        from: new Date(from.getTime() - DAY_MS),
        to,
        interval: 'day',
        groupBy: 'severity',
        systems,
      }),
    ]);
    const totals = trends.total;
    // The overview page's own filters: its shortest range that covers the digest's days, its systems.
    const query = new URLSearchParams(digest.days <= 7 ? { days: '7' } : {});
    if (systems) query.set('system', systems.join(','));
    return {
      digestId: digest.id,
      description: digest.description,
      fromDay,
      toDay,
      systems: digest.systems,
      open: {
        now: overview.openTotal,
        atStart: totals[0]?.openAtEnd ?? 0,
        atEnd: totals[totals.length - 1]?.openAtEnd ?? 0,
        bySeverity: overview.openBySeverity,
      },
      flow: overview.flow,
      autoHeal: overview.autoHeal,
      meanTimeToResolveSeconds: overview.meanTimeToResolveSeconds,
      suppressed: overview.suppressed.findings,
      sla: overview.sla,
      topRules: overview.topRules.slice(0, digest.topRules),
      dashboardUrl: `${this.settings.dashboardUrl}/${query.size > 0 ? `?${query.toString()}` : ''}`,
      generatedAt: now,
    };
  }
}
