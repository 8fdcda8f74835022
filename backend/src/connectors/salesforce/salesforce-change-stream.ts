import { Client, type BayeuxMessage } from 'faye';
import {
  ChangeStreamError,
  type ChangeStreamHandlers,
  type ChangeStreamSubscription,
  type StreamedChange,
} from '../connector';

/** Salesforce's replay ids: every retained event, only new ones. */
const REPLAY_NEW = -1;

export interface SalesforceChangeStreamOptions {
  /** The org's CometD endpoint, e.g. `https://…/cometd/60.0`. */
  endpoint: string;
  channel: string;
  /** A current access token (the caller's OAuth client caches and refreshes it). */
  accessToken(): Promise<string>;
  /** The cached token was refused: the next accessToken() must fetch a new one. */
  invalidateToken(): void;
  /** Turns a delivered event (the Bayeux message's data) into a change; throws on a malformed one. */
  toChange(data: unknown): StreamedChange;
  /** Seconds between faye's reconnection attempts after a transport failure. */
  retrySeconds?: number;
}

/**
 * A subscription to a Salesforce Change Data Capture channel over the Streaming API (CometD long
 * polling, with the faye Bayeux client). Durable: it subscribes with Salesforce's replay extension
 * from the last change handled, also when faye re-handshakes on its own (an expired client, a dropped
 * connection), so a change is delivered again rather than lost. Changes are handled one at a time in
 * replay order; one that was already handled (a replay overlapping what was seen) is skipped.
 */
export class SalesforceChangeStream implements ChangeStreamSubscription {
  private readonly client: Client;
  private handled: number;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The first subscription was confirmed: a later refused one (faye re-subscribing) stops the stream. */
  private subscribed = false;

  private constructor(
    private readonly options: SalesforceChangeStreamOptions,
    position: string | null,
    private readonly handlers: ChangeStreamHandlers,
  ) {
    this.handled = position === null ? REPLAY_NEW : Number(position);
    this.client = new Client(options.endpoint, { retry: options.retrySeconds ?? 5 });
    // Salesforce serves long polling only.
    this.client.disable('websocket');
    this.client.addExtension({
      outgoing: (message, callback) => this.outgoing(message, callback),
      incoming: (message, callback) => {
        this.incoming(message);
        callback(message);
      },
    });
  }

  static async open(
    options: SalesforceChangeStreamOptions,
    position: string | null,
    handlers: ChangeStreamHandlers,
  ): Promise<SalesforceChangeStream> {
    if (position !== null && !/^\d+$/.test(position)) {
      throw new ChangeStreamError('position_lost', `not a Salesforce replay id: ${JSON.stringify(position)}`);
    }
    const stream = new SalesforceChangeStream(options, position, handlers);
    try {
      await stream.subscribe();
    } catch (error) {
      stream.stop();
      throw error;
    }
    return stream;
  }

  close(): Promise<void> {
    this.stop();
    return this.chain;
  }

  private subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client
        .subscribe(this.options.channel, (data) => this.deliver(data))
        .then(
          () => {
            this.subscribed = true;
            resolve();
          },
          (error: unknown) => reject(refusal(this.options.channel, String(error))),
        );
    });
  }

  private deliver(data: unknown): void {
    if (this.stopped) return;
    let change: StreamedChange;
    try {
      change = this.options.toChange(data);
    } catch (error) {
      // Subscribing again would only meet it again: it is reported and passed over.
      this.handlers.onMalformed(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.chain = this.chain.then(async () => {
      const replayId = Number(change.position);
      if (this.stopped || replayId <= this.handled) return;
      try {
        await this.handlers.onChange(change);
        this.handled = replayId;
      } catch (error) {
        this.fail(new ChangeStreamError('handler', `change ${change.position} not handled: ${errorText(error)}`));
      }
    });
  }

  /** Every (re)handshake carries a current token; every (re)subscribe replays from the last change handled. */
  private outgoing(message: BayeuxMessage, callback: (message: BayeuxMessage) => void): void {
    if (message.channel === '/meta/handshake') {
      this.options.accessToken().then(
        (token) => {
          this.client.setHeader('Authorization', `OAuth ${token}`);
          callback(message);
        },
        (error) => {
          this.fail(new ChangeStreamError('refused', `no access token for the change stream: ${errorText(error)}`));
          callback(message);
        },
      );
      return;
    }
    if (message.channel === '/meta/subscribe') {
      message.ext = { ...message.ext, replay: { [this.options.channel]: this.handled } };
    }
    callback(message);
  }

  /** A refusal faye will not retry by itself (advice `none`) stops the stream; its owner subscribes again. */
  private incoming(reply: BayeuxMessage): void {
    if (!reply.channel.startsWith('/meta/') || reply.successful !== false) return;
    const error = reply.error ?? 'refused';
    if (/^401::|Handshake denied/.test(error)) this.options.invalidateToken();
    if (reply.channel === '/meta/subscribe') {
      // The first one is rejected through subscribe()'s promise.
      if (this.subscribed) this.fail(refusal(this.options.channel, error));
      return;
    }
    if (reply.advice?.reconnect === 'none' || /^401::|Handshake denied/.test(error)) {
      this.fail(refusal(this.options.channel, error));
    }
  }

  private fail(error: ChangeStreamError): void {
    if (this.stopped) return;
    this.stop();
    this.handlers.onStopped(error);
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.client.disconnect();
  }
}

function refusal(channel: string, error: string): ChangeStreamError {
  // Salesforce: "400::The replayId {N} you provided was invalid…" once N is past the retention window.
  const lost = /replayId/i.test(error);
  return new ChangeStreamError(lost ? 'position_lost' : 'refused', `${channel}: ${error}`);
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
