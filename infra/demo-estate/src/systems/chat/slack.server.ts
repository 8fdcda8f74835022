/**
 * Chat: the Slack Web API subset Driftwatch's alerts use (chat.postMessage with thread replies,
 * chat.update, chat.getPermalink, auth.test; chat.delete, conversations.list and conversations.history as a person's
 * hand would), answering as
 * Slack does (HTTP 200 with `ok: false` and an error code; 429 with Retry-After when throttled), plus
 * a web page of the workspace whose buttons send Slack-signed `block_actions` requests to the app's
 * interactivity URL. Lets the demo show alerts end to end without a Slack workspace.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SystemFaults } from '../../http/fault-injector';
import {
  HttpError,
  sendJson,
  sendText,
  SystemServer,
  type ErrorStyle,
  type RequestContext,
} from '../../http/system-server';
import { bearerOf } from '../../http/token-store';
import { renderWorkspacePage } from './slack-workspace.page';
import { repliesByParent, SlackWorkspaceStore, type SlackMessage } from './slack-workspace.store';

const slackError = (status: number, error: string, headers: Record<string, string> = {}) =>
  new HttpError(status, { ok: false, error }, headers);

const SLACK_ERRORS: ErrorStyle = {
  unauthorized: () => slackError(200, 'invalid_auth'),
  throttled: (retryAfter) => slackError(429, 'ratelimited', { 'Retry-After': String(retryAfter) }),
  outage: (status) => slackError(status, 'service_unavailable'),
  notFound: () => slackError(404, 'unknown_method'),
  badRequest: (message) =>
    new HttpError(200, { ok: false, error: 'invalid_arguments', response_metadata: { messages: [message] } }),
  internal: (message) => new HttpError(500, { ok: false, error: 'internal_error', detail: message }),
};

/** Block types Slack accepts in messages; a payload with another is refused as `invalid_blocks`. */
const BLOCK_TYPES = new Set(['header', 'section', 'context', 'actions', 'divider', 'image', 'rich_text', 'input']);
const MAX_BLOCKS = 50;
const MAX_TEXT = 40_000;
/** Slack gives an app 3 seconds to answer an interaction. */
const INTERACTION_TIMEOUT_MS = 3_000;
const DEMO_USER = { id: 'U0DEMO0001', username: 'ops.lead', name: 'ops.lead', team_id: 'T0DEMO0001' };

export interface SlackServerOptions {
  store?: SlackWorkspaceStore;
  botToken: string;
  /** Where button clicks go (the app's interactivity request URL) and the secret they are signed with. */
  interactivity?: { url: string; signingSecret: string };
  faults?: SystemFaults;
  seed?: number;
}

type Args = Record<string, unknown>;

export class SlackServer {
  readonly http: SystemServer;
  readonly store: SlackWorkspaceStore;
  private interactivity: SlackServerOptions['interactivity'];

  constructor(private readonly options: SlackServerOptions) {
    this.store = options.store ?? new SlackWorkspaceStore();
    this.interactivity = options.interactivity;
    this.http = new SystemServer('slack', SLACK_ERRORS, options.faults, options.seed);
    this.http
      .route('POST', /^\/api\/auth\.test$/, (ctx) => this.call(ctx, () => this.authTest()))
      .route('POST', /^\/api\/chat\.postMessage$/, (ctx) => this.call(ctx, (args) => this.postMessage(args)))
      .route('POST', /^\/api\/chat\.update$/, (ctx) => this.call(ctx, (args) => this.updateMessage(args)))
      .route('POST', /^\/api\/chat\.getPermalink$/, (ctx) => this.call(ctx, (args) => this.permalink(args)))
      .route('POST', /^\/api\/chat\.delete$/, (ctx) => this.call(ctx, (args) => this.deleteMessage(args)))
      .route('POST', /^\/api\/conversations\.list$/, (ctx) => this.call(ctx, () => this.conversationsList()))
      .route('POST', /^\/api\/conversations\.history$/, (ctx) => this.call(ctx, (args) => this.history(args)))
      .route('GET', /^\/$/, (ctx) => this.page(ctx), { faultable: false })
      .route('POST', /^\/ui\/actions$/, (ctx) => this.click(ctx), { faultable: false });
  }

  /** As an app's settings page does: where its button clicks go from now on, signed with this secret. */
  setInteractivity(target: { url: string; signingSecret: string }): void {
    this.interactivity = target;
  }

  /** Parses a Web API call's arguments (form or JSON, as Slack takes both), checks the token, answers. */
  private async call(ctx: RequestContext, method: (args: Args) => Args): Promise<void> {
    const args = await this.readArgs(ctx);
    const token = bearerOf(ctx.req.headers.authorization) ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) throw slackError(200, 'not_authed');
    if (token !== this.options.botToken) throw SLACK_ERRORS.unauthorized();
    sendJson(ctx, 200, { ok: true, ...method(args) });
  }

  private async readArgs(ctx: RequestContext): Promise<Args> {
    const type = ctx.req.headers['content-type'] ?? '';
    if (type.includes('application/json')) {
      const body = await ctx.readJson();
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw slackError(200, 'invalid_json');
      return body as Args;
    }
    const args: Args = {};
    for (const [key, value] of await ctx.readForm()) {
      if (key !== 'blocks') args[key] = value;
      else {
        try {
          args[key] = JSON.parse(value) as unknown;
        } catch {
          throw slackError(200, 'invalid_blocks_format');
        }
      }
    }
    return args;
  }

  private authTest(): Args {
    return {
      url: 'https://driftwatch-demo.slack.com/',
      team: 'Driftwatch demo',
      user: 'driftwatch',
      team_id: 'T0DEMO0001',
      user_id: 'U0DEMOBOT1',
      bot_id: 'B0DEMOBOT1',
    };
  }

  private content(args: Args): { text: string; blocks: unknown[] } {
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = args.blocks === undefined || args.blocks === '' ? [] : args.blocks;
    if (!Array.isArray(blocks) || blocks.length > MAX_BLOCKS) throw slackError(200, 'invalid_blocks');
    for (const block of blocks) {
      const type = (block as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || !BLOCK_TYPES.has(type)) throw slackError(200, 'invalid_blocks');
    }
    if (text.trim() === '' && blocks.length === 0) throw slackError(200, 'no_text');
    if (text.length > MAX_TEXT) throw slackError(200, 'msg_too_long');
    return { text, blocks };
  }

  private postMessage(args: Args): Args {
    const channel = this.store.channel(stringArg(args.channel), true);
    if (!channel) throw slackError(200, 'channel_not_found');
    const { text, blocks } = this.content(args);
    const wanted = typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : undefined;
    // A reply to a message that is not there (deleted) is posted to the channel itself; no error code.
    const threadTs = wanted && this.store.find(channel.id, wanted) ? wanted : undefined;
    const message = this.store.post(channel.id, text, blocks, threadTs);
    return { channel: channel.id, ts: message.ts, message: present(message) };
  }

  private updateMessage(args: Args): Args {
    const channel = this.store.channel(stringArg(args.channel), false);
    if (!channel) throw slackError(200, 'channel_not_found');
    const message = this.store.find(channel.id, stringArg(args.ts));
    if (!message) throw slackError(200, 'message_not_found');
    const { text, blocks } = this.content(args);
    this.store.update(message, text, blocks);
    return { channel: channel.id, ts: message.ts, text: message.text, message: present(message) };
  }

  /** The message on this workspace's page (Slack's answer is its archive URL). */
  private permalink(args: Args): Args {
    const channel = this.store.channel(stringArg(args.channel), false);
    if (!channel) throw slackError(200, 'channel_not_found');
    const message = this.store.find(channel.id, stringArg(args.message_ts));
    if (!message) throw slackError(200, 'message_not_found');
    return { channel: channel.id, permalink: `${this.http.baseUrl}/?channel=${channel.id}#m${message.ts}` };
  }

  private deleteMessage(args: Args): Args {
    const channel = this.store.channel(stringArg(args.channel), false);
    if (!channel) throw slackError(200, 'channel_not_found');
    if (!this.store.delete(channel.id, stringArg(args.ts))) throw slackError(200, 'message_not_found');
    return { channel: channel.id, ts: stringArg(args.ts) };
  }

  private conversationsList(): Args {
    return {
      channels: this.store.listChannels().map((c) => ({ id: c.id, name: c.name, is_channel: true, is_member: true })),
      response_metadata: { next_cursor: '' },
    };
  }

  /** The channel's messages, newest first as Slack returns them (thread replies are not listed). */
  private history(args: Args): Args {
    const channel = this.store.channel(stringArg(args.channel), false);
    if (!channel) throw slackError(200, 'channel_not_found');
    const all = this.store.history(channel.id);
    const replies = repliesByParent(all);
    const messages = all
      .filter((m) => !m.threadTs)
      .reverse()
      .map((m) => ({ ...present(m), reply_count: replies.get(m.ts)?.length ?? 0 }));
    return { messages, has_more: false };
  }

  private page(ctx: RequestContext): void {
    const channels = this.store.listChannels();
    const wanted = ctx.url.searchParams.get('channel');
    const current = (wanted ? this.store.channel(wanted, false) : undefined) ?? channels[0];
    const lastClick = this.store.clicks.at(-1);
    const html = renderWorkspacePage({
      channels,
      current,
      history: current ? this.store.history(current.id) : [],
      lastClick:
        lastClick && lastClick.channel === current?.id && Date.now() - lastClick.at < 60_000 ? lastClick : undefined,
      interactivityConfigured: this.interactivity !== undefined,
    });
    sendText(ctx, 200, 'text/html; charset=utf-8', html);
  }

  /** A button clicked on the page: sent to the app as Slack sends a `block_actions` interaction. */
  private async click(ctx: RequestContext): Promise<void> {
    const form = await ctx.readForm();
    const channel = this.store.channel(form.get('channel') ?? '', false);
    const message = channel ? this.store.find(channel.id, form.get('ts') ?? '') : undefined;
    if (!channel || !message) throw slackError(404, 'message_not_found');
    const actionId = form.get('action_id') ?? '';
    const { status, answer } = await this.sendInteraction(channel.id, channel.name, message, {
      action_id: actionId,
      block_id: form.get('block_id') ?? '',
      value: form.get('value') ?? '',
    });
    this.store.clicks.push({
      at: Date.now(),
      channel: channel.id,
      ts: message.ts,
      actionId,
      user: DEMO_USER.username,
      status,
      answer,
    });
    ctx.res.writeHead(303, { Location: `/?channel=${channel.id}#m${message.ts}` });
    ctx.res.end();
  }

  private async sendInteraction(
    channelId: string,
    channelName: string,
    message: SlackMessage,
    action: { action_id: string; block_id: string; value: string },
  ): Promise<{ status: number; answer: string }> {
    const target = this.interactivity;
    if (!target) return { status: 0, answer: 'no interactivity URL is configured for this workspace' };
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      type: 'block_actions',
      user: DEMO_USER,
      api_app_id: 'A0DEMOAPP1',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: channelId, is_ephemeral: false },
      trigger_id: `${now}.${randomBytes(6).toString('hex')}`,
      team: { id: DEMO_USER.team_id, domain: 'driftwatch-demo' },
      channel: { id: channelId, name: channelName },
      message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks },
      actions: [{ type: 'button', ...action, action_ts: `${now}.000000` }],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const signature = `v0=${createHmac('sha256', target.signingSecret).update(`v0:${now}:${body}`).digest('hex')}`;
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Slack-Request-Timestamp': String(now),
          'X-Slack-Signature': signature,
        },
        body,
        signal: AbortSignal.timeout(INTERACTION_TIMEOUT_MS),
      });
      const text = await res.text();
      let answer = text;
      try {
        const json = JSON.parse(text) as { text?: unknown; message?: unknown };
        answer = typeof json.text === 'string' ? json.text : typeof json.message === 'string' ? json.message : text;
      } catch {
        // Not JSON: shown as the app sent it.
      }
      return { status: res.status, answer };
    } catch (error) {
      return { status: 0, answer: `the app did not answer: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}

/** A string argument; anything else counts as missing (Slack answers the missing-argument error). */
function stringArg(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function present(m: SlackMessage): Args {
  return {
    type: 'message',
    user: 'U0DEMOBOT1',
    bot_id: 'B0DEMOBOT1',
    ts: m.ts,
    text: m.text,
    blocks: m.blocks,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.editedAt ? { edited: { user: 'U0DEMOBOT1', ts: `${Math.floor(m.editedAt / 1000)}.000000` } } : {}),
  };
}
