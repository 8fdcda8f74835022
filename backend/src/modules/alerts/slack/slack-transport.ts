import { ErrorCode, WebClient, type WebAPICallError } from '@slack/web-api';
import type { SlackMessage } from './slack-message.builder';

export interface SlackTransportOptions {
  botToken: string;
  apiUrl: string;
  retries: number;
  timeoutMs: number;
}

export class SlackDeliveryError extends Error {
  constructor(
    readonly action: string,
    readonly channel: string,
    cause: unknown,
  ) {
    const reason =
      cause instanceof Error && 'code' in cause && (cause as WebAPICallError).code === ErrorCode.PlatformError
        ? `Slack said ${String((cause as { data?: { error?: string } }).data?.error)}`
        : cause instanceof Error
          ? cause.message
          : String(cause);
    super(`Slack ${action} to ${channel} failed: ${reason}`, { cause });
    this.name = 'SlackDeliveryError';
  }
}

/**
 * chat.postMessage / chat.update through Slack's official client, which waits out 429 `Retry-After`
 * and retries 5xx with backoff; what still fails is thrown so the delivery is recorded as failed.
 */
export class SlackTransport {
  private readonly client: WebClient;
  /** Without a bot token there is nowhere to deliver; alerts are evaluated and recorded as held. */
  readonly configured: boolean;

  constructor(options: SlackTransportOptions) {
    this.configured = options.botToken.length > 0;
    this.client = new WebClient(options.botToken, {
      slackApiUrl: options.apiUrl,
      retryConfig: { retries: options.retries, factor: 2, minTimeout: 200, maxTimeout: 5000 },
      timeout: options.timeoutMs,
      rejectRateLimitedCalls: false,
    });
  }

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<{ channel: string; ts: string }> {
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

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    try {
      await this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
    } catch (error) {
      throw new SlackDeliveryError('update', channel, error);
    }
  }
}
