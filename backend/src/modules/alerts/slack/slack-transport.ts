import { ErrorCode, WebClient, type WebAPICallError } from '@slack/web-api';
import { IncomingWebhook, IncomingWebhookHTTPError, type IncomingWebhookDefaultArguments } from '@slack/webhook';

type FetchResponse = Awaited<ReturnType<NonNullable<IncomingWebhookDefaultArguments['fetch']>>>;
import type { SlackMessage } from './slack-message.builder';

export interface SlackTransportOptions {
  botToken: string;
  apiUrl: string;
  retries: number;
  timeoutMs: number;
  /** Incoming webhook URL per channel (`*` for any other); used when there is no bot token. */
  webhooks?: Record<string, string>;
}

/**
 * What Slack answers chat.update when the message is no longer there to edit: deleted by someone, or
 * not the bot's. The alert then goes on in a new message.
 */
const MESSAGE_GONE = ['message_not_found', 'cant_update_message'] as const;
export type MessageGone = (typeof MESSAGE_GONE)[number];

/** The error code of an `ok: false` answer from the Web API client. */
function platformErrorOf(cause: unknown): string | undefined {
  if (!(cause instanceof Error) || !('code' in cause) || (cause as WebAPICallError).code !== ErrorCode.PlatformError)
    return undefined;
  return String((cause as { data?: { error?: string } }).data?.error);
}

export class SlackDeliveryError extends Error {
  /** Slack's error code (`ok: false` answers), if Slack answered one. */
  readonly slackError: string | undefined;

  constructor(
    readonly action: string,
    readonly channel: string,
    cause: unknown,
  ) {
    const slackError = platformErrorOf(cause);
    const reason =
      cause instanceof IncomingWebhookHTTPError
        ? `webhook answered ${cause.statusCode} ${cause.body.slice(0, 100)}`
        : slackError !== undefined
          ? `Slack said ${slackError}`
          : cause instanceof Error
            ? cause.message
            : String(cause);
    super(`Slack ${action} to ${channel} failed: ${reason}`, { cause });
    this.name = 'SlackDeliveryError';
    this.slackError = slackError;
  }
}

/**
 * chat.postMessage / chat.update through Slack's official client, which waits out 429 `Retry-After`
 * and retries 5xx with backoff; what still fails is thrown so the delivery is recorded as failed.
 * Without a bot token, incoming webhooks (per channel) post instead: they can neither update a message
 * nor reply in a thread, so posts return no `ts` and later changes arrive as new messages.
 */
export class SlackTransport {
  private readonly client: WebClient;
  private readonly botToken: boolean;
  private readonly webhooks = new Map<string, IncomingWebhook>();
  /** Retry-After (ms) of the last 429 per webhook; @slack/webhook does not expose the header itself. */
  private readonly retryAfter = new Map<string, number>();
  /** Neither a bot token nor a webhook: there is nowhere to deliver; alerts are evaluated and held. */
  readonly configured: boolean;

  constructor(private readonly options: SlackTransportOptions) {
    this.botToken = options.botToken.length > 0;
    for (const [channel, url] of Object.entries(options.webhooks ?? {})) {
      this.webhooks.set(
        channel,
        new IncomingWebhook(url, {
          timeout: options.timeoutMs,
          // 5xx and network errors: the library's own retries; 429 is retried below, after Retry-After.
          retryConfig: { retries: options.retries, factor: 2, minTimeout: 200, maxTimeout: 5000 },
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            if (response.status === 429) {
              const seconds = Number(response.headers.get('retry-after'));
              this.retryAfter.set(channel, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
            }
            // Unnecessary under Node's fetch typings, needed where the DOM lib types fetch (the test project).
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
            return response as unknown as FetchResponse;
          },
        }),
      );
    }
    this.configured = this.botToken || this.webhooks.size > 0;
    this.client = new WebClient(options.botToken, {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: options.retries, factor: 2, minTimeout: 200, maxTimeout: 5000 },
      timeout: options.timeoutMs,
      rejectRateLimitedCalls: false,
    });
  }

  /**
   * Why a message for `channel` has no way out (neither the bot token nor a webhook for it or for
   * `*`), as a held delivery records it; undefined when it has one.
   */
  undeliverable(channel: string): 'slack_not_configured' | 'no_webhook_for_channel' | undefined {
    if (!this.configured) return 'slack_not_configured';
    return this.botToken || this.webhookFor(channel) !== undefined ? undefined : 'no_webhook_for_channel';
  }

  async post(
    channel: string,
    message: SlackMessage,
    threadTs?: string,
  ): Promise<{ channel: string; ts: string | null }> {
    if (!this.botToken) return this.postByWebhook(channel, message);
    try {
      const res = await this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
      });
      return { channel: res.channel ?? channel, ts: String(res.ts) };
    } catch (error) {
      throw new SlackDeliveryError(threadTs ? 'thread reply' : 'post', channel, error);
    }
  }

  private webhookFor(channel: string): IncomingWebhook | undefined {
    return this.webhooks.get(channel) ?? this.webhooks.get('*');
  }

  private async postByWebhook(channel: string, message: SlackMessage): Promise<{ channel: string; ts: null }> {
    const webhook = this.webhookFor(channel);
    if (!webhook) throw new SlackDeliveryError('post', channel, new Error('no incoming webhook for this channel'));
    for (let attempt = 0; ; attempt++) {
      try {
        await webhook.send({ text: message.text, blocks: message.blocks, unfurl_links: false });
        return { channel, ts: null };
      } catch (error) {
        const throttled = error instanceof IncomingWebhookHTTPError && error.statusCode === 429;
        if (!throttled || attempt >= this.options.retries) throw new SlackDeliveryError('post', channel, error);
        const waitMs = this.retryAfter.get(this.webhooks.has(channel) ? channel : '*') ?? 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 60_000)));
      }
    }
  }

  /**
   * The message's link in Slack, or null: without the bot (webhooks) there is none, and a link is a
   * convenience, so Slack failing to give one leaves the delivery as it is.
   */
  async permalink(channel: string, ts: string): Promise<string | null> {
    if (!this.botToken) return null;
    try {
      return (await this.client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null;
    } catch {
      return null;
    }
  }

  /** Edits a message in place; answers why not when it is gone (MESSAGE_GONE), throws on any other failure. */
  async update(channel: string, ts: string, message: SlackMessage): Promise<MessageGone | undefined> {
    try {
      await this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      return undefined;
    } catch (error) {
      const failure = new SlackDeliveryError('update', channel, error);
      const gone = MESSAGE_GONE.find((code) => code === failure.slackError);
      if (gone) return gone;
      throw failure;
    }
  }
}
