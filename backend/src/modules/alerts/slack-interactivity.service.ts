import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { z } from 'zod';
import { ConfigService } from '../../config/config.service';
import { QUEUE } from '../../queues/queue-names';
import { AuditService } from '../audit/audit.service';
import { FIXUPS_LIST_QUERY } from '../fixups/fixups-query';
import { FixupsService, MAX_BULK } from '../fixups/fixups.service';
import type { SlackInteractionAnswer } from './alerts.dto';
import { AlertNotFoundError, AlertsService } from './alerts.service';
import { ALERT_ACTIONS } from './slack/slack-message.builder';
import { SLACK_REPLAY_WINDOW_SECONDS, SlackSignatureError, verifySlackSignature } from './slack/slack-signature';

const payloadSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().max(2000).optional() }))
    .min(1)
    .max(5),
});

export class SlackPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlackPayloadError';
  }
}

const SNOOZE_HOURS: Record<string, number> = { [ALERT_ACTIONS.snooze1h]: 1, [ALERT_ACTIONS.snooze24h]: 24 };

/** Button clicks from Slack: verified, never replayed, carried out and audited. */
@Injectable()
export class SlackInteractivityService {
  constructor(
    private readonly config: ConfigService,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
    @InjectQueue(QUEUE.alerts) private readonly queue: Queue,
    private readonly moduleRef: ModuleRef,
  ) {}

  async handle(
    headers: { timestamp?: string; signature?: string },
    rawBody: Buffer | undefined,
    now = new Date(),
  ): Promise<SlackInteractionAnswer> {
    const secret = this.config.get('SLACK_SIGNING_SECRET');
    if (!secret || !rawBody) throw new SlackSignatureError('missing');
    const signature = verifySlackSignature(
      secret,
      { timestamp: headers.timestamp, signature: headers.signature, rawBody },
      Math.floor(now.getTime() / 1000),
    );
    // Inside the 5-minute window the same signed request is accepted once, across api processes.
    const first = await this.queue.client.set(
      `driftwatch:slack-signature:${signature}`,
      '1',
      'EX',
      SLACK_REPLAY_WINDOW_SECONDS,
      'NX',
    );
    if (first !== 'OK') throw new SlackSignatureError('replayed');
    const payload = this.parse(rawBody);
    const actor = `slack:${payload.user.id}${payload.user.username ? ` (${payload.user.username})` : ''}`;
    const results: string[] = [];
    for (const action of payload.actions) results.push(await this.perform(action.action_id, action.value, actor, now));
    return { text: results.join('\n') };
  }

  private parse(rawBody: Buffer): z.infer<typeof payloadSchema> {
    const form = new URLSearchParams(rawBody.toString('utf8'));
    const raw = form.get('payload');
    if (!raw) throw new SlackPayloadError('body has no payload field');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new SlackPayloadError('payload is not JSON');
    }
    const result = payloadSchema.safeParse(json);
    if (!result.success) {
      throw new SlackPayloadError(`payload ${result.error.issues.map((i) => i.path.join('.')).join(', ')} invalid`);
    }
    return result.data;
  }

  private async perform(actionId: string, alertKey: string | undefined, actor: string, now: Date): Promise<string> {
    if (!alertKey) throw new SlackPayloadError('action has no alert');
    try {
      if (actionId === ALERT_ACTIONS.acknowledge) {
        await this.alerts.acknowledge(alertKey, actor, now);
        await this.audit.record({ actor, action: 'alert.acknowledge', subjectType: 'alert', subjectId: alertKey });
        return `Acknowledged by ${actor}`;
      }
      const hours = SNOOZE_HOURS[actionId];
      if (hours) {
        const until = new Date(now.getTime() + hours * 3_600_000);
        await this.alerts.snooze(alertKey, until, now);
        await this.audit.record({
          actor,
          action: 'alert.snooze',
          subjectType: 'alert',
          subjectId: alertKey,
          after: { snoozedUntil: until.toISOString() },
        });
        return `Snoozed for ${hours}h by ${actor}`;
      }
      if (actionId === ALERT_ACTIONS.approveFixes) return await this.approveFixes(alertKey, actor);
    } catch (error) {
      if (error instanceof AlertNotFoundError) return `No such alert: ${alertKey}`;
      if (error instanceof FixupsUnavailableError) return 'Fix-ups are not available here; approve in the dashboard.';
      throw error;
    }
    throw new SlackPayloadError(`unknown action ${actionId}`);
  }

  /**
   * Approves the fix-up tasks waiting for approval (`proposed`) of the alert's reconciliation rule,
   * through FixupsService, so each move is a compare-and-set recorded in the task's trail and the
   * audit log with the Slack user as actor. Tasks held for review (needs_review, conflict) are left to
   * a person looking at them one by one.
   */
  private async approveFixes(alertKey: string, actor: string): Promise<string> {
    const state = await this.alerts.findState(alertKey);
    if (!state) throw new AlertNotFoundError(alertKey);
    const fixups = this.fixups();
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await fixups.list(
        FIXUPS_LIST_QUERY.parse({
          state: 'proposed',
          ruleId: state.ruleId,
          limit: '500',
          sort: 'createdAt',
          ...(cursor ? { cursor } : {}),
        }),
      );
      ids.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && ids.length < MAX_BULK);
    if (ids.length === 0) {
      await this.audit.record({
        actor,
        action: 'alert.approve_fixes',
        subjectType: 'alert',
        subjectId: alertKey,
        after: { ruleId: state.ruleId, approved: 0 },
      });
      return `No fix-ups of rule ${state.ruleId} are waiting for approval.`;
    }
    const outcome = await fixups.approve(
      { ids: ids.slice(0, MAX_BULK) },
      actor,
      `approved in Slack (alert ${alertKey})`,
    );
    await this.audit.record({
      actor,
      action: 'alert.approve_fixes',
      subjectType: 'alert',
      subjectId: alertKey,
      after: { ruleId: state.ruleId, approved: outcome.changed.length, skipped: outcome.skipped.length },
    });
    const skipped = outcome.skipped.length > 0 ? ` (${outcome.skipped.length} had moved on and were skipped)` : '';
    return `Approved ${outcome.changed.length} fix-ups of rule ${state.ruleId} by ${actor}${skipped}`;
  }

  private fixups(): FixupsService {
    try {
      return this.moduleRef.get(FixupsService, { strict: false });
    } catch {
      throw new FixupsUnavailableError();
    }
  }
}

export class FixupsUnavailableError extends Error {
  constructor() {
    super('the fix-up module is not loaded in this process');
    this.name = 'FixupsUnavailableError';
  }
}
