/**
 * The Streaming API's Bayeux endpoint (`POST /cometd/<version>`), long-polling only, as Salesforce
 * serves it to CometD and faye clients: handshake, a connect held until events arrive or the timeout
 * passes, subscribe with the replay extension (`ext.replay: {[channel]: replayId}`), unsubscribe and
 * disconnect. Hand-written because a stock Bayeux server cannot replay retained events per client.
 */
import { randomBytes } from 'node:crypto';
import { sendText, type RequestContext } from '../../../http/system-server';
import type { ChangeEventLog, RetainedChangeEvent } from './change-event-log';

export const DEFAULT_CONNECT_TIMEOUT_MS = 110_000;
export const DEFAULT_CLIENT_TIMEOUT_MS = 40_000;
/** Events per connect reply: a replay of the whole log arrives over several connects, not one body. */
const EVENTS_PER_CONNECT = 1000;
const REPLAY_NEW = -1;
const REPLAY_ALL = -2;
const HANDSHAKE_EXT = { replay: true, 'payload.format': true };

export interface BayeuxServerOptions {
  log: ChangeEventLog;
  /** The entity a channel carries: null for every entity, undefined when there is no such channel. */
  entityOfChannel: (channel: string) => string | null | undefined;
  /** Whether an `Authorization` header (`OAuth <token>` or `Bearer <token>`) names a live session. */
  isAuthorized: (authorization: string | undefined) => boolean;
  /** An outage's HTTP status for this request, or null. */
  outage?: () => number | null;
  /** How long a connect is held when there is nothing to deliver (Salesforce: 110 s). */
  connectTimeoutMs?: number;
  /** A client that has not connected for this long is forgotten (Salesforce: 40 s). */
  clientTimeoutMs?: number;
}

interface BayeuxMessage {
  channel?: unknown;
  id?: unknown;
  clientId?: unknown;
  subscription?: unknown;
  connectionType?: unknown;
  advice?: { timeout?: unknown };
  ext?: { replay?: unknown };
}

type Reply = Record<string, unknown>;

interface HeldConnect {
  ctx: RequestContext;
  message: BayeuxMessage;
  authorization: string | undefined;
  timer: NodeJS.Timeout;
}

interface BayeuxClient {
  id: string;
  /** Channel → the entity it carries (null: all). */
  subscriptions: Map<string, string | null>;
  queue: { channel: string; event: RetainedChangeEvent }[];
  held: HeldConnect | null;
  releaseScheduled: boolean;
  expiresAt: number;
}

export class BayeuxServer {
  private readonly clients = new Map<string, BayeuxClient>();
  private readonly connectTimeoutMs: number;
  private readonly clientTimeoutMs: number;

  constructor(private readonly options: BayeuxServerOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.clientTimeoutMs = options.clientTimeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    options.log.onAppend((event) => this.publish(event));
  }

  /** Live clients subscribed to at least one channel (a handshake alone receives nothing yet). */
  get subscribedClientCount(): number {
    this.sweep();
    let subscribed = 0;
    for (const client of this.clients.values()) if (client.subscriptions.size > 0) subscribed++;
    return subscribed;
  }

  /** Connects being held open, waiting for events. */
  get heldConnectCount(): number {
    let held = 0;
    for (const client of this.clients.values()) if (client.held) held++;
    return held;
  }

  async handle(ctx: RequestContext): Promise<void> {
    this.sweep();
    const outage = this.options.outage?.() ?? null;
    // No Bayeux body: clients treat the request as failed and retry it after their interval.
    if (outage !== null) return sendText(ctx, outage, 'text/plain; charset=utf-8', 'Service Unavailable');
    const messages = await readMessages(ctx);
    if (!messages) return sendText(ctx, 400, 'text/plain; charset=utf-8', 'expected a JSON array of Bayeux messages');
    const authorization = ctx.req.headers.authorization;
    if (!this.options.isAuthorized(authorization))
      return send(
        ctx,
        messages.map((m) => json(authenticationInvalid(m))),
      );
    const parts: string[] = [];
    for (const message of messages) {
      if (typeof message !== 'object' || message === null) {
        parts.push(json({ successful: false, error: '400::Invalid message' }));
        continue;
      }
      switch (message.channel) {
        case '/meta/handshake':
          parts.push(json(this.handshake(message)));
          break;
        case '/meta/connect':
          if (this.connect(ctx, message, parts, messages.length === 1, authorization)) return;
          break;
        case '/meta/subscribe':
          parts.push(json(this.subscribe(message)));
          break;
        case '/meta/unsubscribe':
          parts.push(json(this.unsubscribe(message)));
          break;
        case '/meta/disconnect':
          parts.push(json(this.disconnect(message)));
          break;
        default:
          parts.push(json({ ...answer(message), successful: false, error: '403::Publish denied' }));
      }
    }
    send(ctx, parts);
  }

  private handshake(message: BayeuxMessage): Reply {
    const client: BayeuxClient = {
      id: randomBytes(16).toString('hex'),
      subscriptions: new Map(),
      queue: [],
      held: null,
      releaseScheduled: false,
      expiresAt: Date.now() + this.clientTimeoutMs,
    };
    this.clients.set(client.id, client);
    return {
      ...answer(message),
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: ['long-polling'],
      clientId: client.id,
      successful: true,
      ext: HANDSHAKE_EXT,
      advice: this.advice(),
    };
  }

  /** Answers the connect into `parts`, or holds it (true: the reply goes out later, on its own). */
  private connect(
    ctx: RequestContext,
    message: BayeuxMessage,
    parts: string[],
    alone: boolean,
    authorization: string | undefined,
  ): boolean {
    const client = this.clientOf(message);
    if (!client) {
      parts.push(json(unknownClient(message)));
      return false;
    }
    if (message.connectionType !== 'long-polling') {
      parts.push(json({ ...answer(message), successful: false, error: '400::Unsupported connection type' }));
      return false;
    }
    // Bayeux: a client has one connect outstanding; a newer one makes the server answer the older.
    this.release(client);
    const asked = typeof message.advice?.timeout === 'number' ? message.advice.timeout : Infinity;
    const holdMs = Math.max(0, Math.min(this.connectTimeoutMs, asked));
    // A connect sent with other messages is answered at once, or their replies would wait with it.
    if (client.queue.length > 0 || !alone || holdMs === 0) {
      this.deliver(client, message, parts);
      return false;
    }
    const held: HeldConnect = { ctx, message, authorization, timer: setTimeout(() => this.release(client), holdMs) };
    client.held = held;
    ctx.res.on('close', () => {
      if (client.held !== held) return;
      // The client went away (or the server is closing): forget the request, keep the client a while.
      clearTimeout(held.timer);
      client.held = null;
      client.expiresAt = Date.now() + this.clientTimeoutMs;
    });
    return true;
  }

  /** Answers a held connect now, with whatever is queued. */
  private release(client: BayeuxClient): void {
    const held = client.held;
    if (!held) return;
    client.held = null;
    clearTimeout(held.timer);
    // The session is checked again: a token revoked during the poll ends the subscription.
    if (!this.options.isAuthorized(held.authorization)) {
      this.clients.delete(client.id);
      return send(held.ctx, [json(authenticationInvalid(held.message))]);
    }
    const parts: string[] = [];
    this.deliver(client, held.message, parts);
    send(held.ctx, parts);
  }

  private deliver(client: BayeuxClient, message: BayeuxMessage, parts: string[]): void {
    for (const { channel, event } of client.queue.splice(0, EVENTS_PER_CONNECT))
      parts.push(`{"channel":${JSON.stringify(channel)},"data":${event.json}}`);
    client.expiresAt = Date.now() + this.clientTimeoutMs;
    parts.push(json({ ...answer(message), clientId: client.id, successful: true, advice: this.advice() }));
  }

  private subscribe(message: BayeuxMessage): Reply {
    const client = this.clientOf(message);
    if (!client) return unknownClient(message);
    const channel = message.subscription;
    const reply = { ...answer(message), clientId: client.id, subscription: channel };
    if (typeof channel !== 'string') return { ...reply, successful: false, error: '400::Invalid subscription' };
    const entity = this.options.entityOfChannel(channel);
    if (entity === undefined)
      return {
        ...reply,
        successful: false,
        error: `400::The channel you requested to subscribe to does not exist {${channel}}`,
      };
    const replayId = replayIdOf(message, channel);
    const log = this.options.log;
    let replayed: RetainedChangeEvent[];
    if (replayId === REPLAY_NEW) replayed = [];
    else if (replayId === REPLAY_ALL) replayed = log.after(0);
    else if (log.canResumeAfter(replayId)) replayed = log.after(replayId);
    else
      return {
        ...reply,
        successful: false,
        error: `400::The replayId {${String(replayId)}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
      };
    client.queue = client.queue.filter((q) => q.channel !== channel);
    client.subscriptions.set(channel, entity);
    for (const event of replayed)
      if (entity === null || event.entityName === entity) client.queue.push({ channel, event });
    if (client.queue.length > 0) this.scheduleRelease(client);
    return { ...reply, successful: true };
  }

  private unsubscribe(message: BayeuxMessage): Reply {
    const client = this.clientOf(message);
    if (!client) return unknownClient(message);
    const channel = message.subscription;
    client.subscriptions.delete(String(channel));
    client.queue = client.queue.filter((q) => q.channel !== channel);
    return { ...answer(message), clientId: client.id, subscription: channel, successful: true };
  }

  private disconnect(message: BayeuxMessage): Reply {
    const client = this.clientOf(message);
    if (!client) return unknownClient(message);
    this.clients.delete(client.id);
    const held = client.held;
    if (held) {
      client.held = null;
      clearTimeout(held.timer);
      send(held.ctx, [
        json({ ...answer(held.message), clientId: client.id, successful: true, advice: { reconnect: 'none' } }),
      ]);
    }
    return { ...answer(message), clientId: client.id, successful: true };
  }

  private publish(event: RetainedChangeEvent): void {
    this.sweep();
    for (const client of this.clients.values()) {
      let queued = false;
      for (const [channel, entity] of client.subscriptions)
        if (entity === null || entity === event.entityName) {
          client.queue.push({ channel, event });
          queued = true;
        }
      if (queued) this.scheduleRelease(client);
    }
  }

  /** Writes of one tick (a composite update) go out in one reply rather than one per event. */
  private scheduleRelease(client: BayeuxClient): void {
    if (!client.held || client.releaseScheduled) return;
    client.releaseScheduled = true;
    setImmediate(() => {
      client.releaseScheduled = false;
      this.release(client);
    });
  }

  private clientOf(message: BayeuxMessage): BayeuxClient | undefined {
    return typeof message.clientId === 'string' ? this.clients.get(message.clientId) : undefined;
  }

  /** Forgets clients that stopped connecting (a held connect keeps its client alive). */
  private sweep(): void {
    const now = Date.now();
    for (const [id, client] of this.clients) if (!client.held && client.expiresAt < now) this.clients.delete(id);
  }

  private advice(): Reply {
    return { reconnect: 'retry', interval: 0, timeout: this.connectTimeoutMs };
  }
}

/** The fields every reply echoes: the channel and the request's `id`. */
function answer(message: BayeuxMessage): Reply {
  return { channel: message.channel, ...(message.id !== undefined ? { id: message.id } : {}) };
}

function unknownClient(message: BayeuxMessage): Reply {
  return {
    ...answer(message),
    ...(typeof message.clientId === 'string' ? { clientId: message.clientId } : {}),
    successful: false,
    error: '403::Unknown client',
    advice: { reconnect: 'handshake', interval: 0 },
  };
}

/** What Salesforce answers when the session is missing, expired or revoked: stop, re-authenticate. */
function authenticationInvalid(message: BayeuxMessage): Reply {
  const channel = typeof message === 'object' && message !== null ? message.channel : undefined;
  return {
    ...(typeof message === 'object' && message !== null ? answer(message) : {}),
    ...(channel === '/meta/handshake' ? { ext: { replay: true } } : {}),
    successful: false,
    error: '401::Authentication invalid',
    advice: { reconnect: 'none' },
  };
}

/** The subscribe's `ext.replay[channel]`: -1 (new events only) when absent. */
function replayIdOf(message: BayeuxMessage, channel: string): number {
  const replay = message.ext?.replay;
  if (typeof replay !== 'object' || replay === null || !(channel in replay)) return REPLAY_NEW;
  const value = (replay as Record<string, unknown>)[channel];
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '') ? Number(value) : NaN;
}

/** A JSON array (or one message), or the same as the `message` field of a form post; null if neither. */
async function readMessages(ctx: RequestContext): Promise<BayeuxMessage[] | null> {
  const body = await ctx.readBody();
  const form = String(ctx.req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
  const text = form ? (new URLSearchParams(body).get('message') ?? '') : body;
  try {
    const parsed = JSON.parse(text) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]) as BayeuxMessage[];
  } catch {
    return null;
  }
}

function json(reply: Reply): string {
  return JSON.stringify(reply);
}

function send(ctx: RequestContext, parts: string[]): void {
  if (ctx.res.writableEnded || ctx.res.destroyed) return;
  sendText(ctx, 200, 'application/json;charset=UTF-8', `[${parts.join(',')}]`);
}
