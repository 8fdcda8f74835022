/**
 * Change Data Capture for the CRM: every write made in the running system becomes one change event,
 * retained for replay and delivered over the Streaming API's Bayeux endpoint. API writes carry the
 * API's `changeOrigin` and share a transaction per request; changes made "in the system" (the admin
 * mutate hook, continuous mode's integrations and users) carry an empty origin, as UI changes do.
 */
import { randomUUID } from 'node:crypto';
import { sendJson, type RequestContext } from '../../../http/system-server';
import type { SalesforceStore } from '../salesforce.store';
import { BayeuxServer } from './bayeux.server';
import { changeEventOf, entityOfChannel } from './change-event-builder';
import { ChangeEventLog, DEFAULT_RETAINED_EVENTS } from './change-event-log';

export interface SalesforceStreamingOptions {
  /** How long `/meta/connect` is held when there is nothing to deliver (default 110,000 ms, as Salesforce). */
  connectTimeoutMs?: number;
  /** A client that has not connected for this long is forgotten (default 40,000 ms, as Salesforce). */
  clientTimeoutMs?: number;
  /** Change events retained for replay, the oldest dropped first (default 50,000). */
  retainedEvents?: number;
}

/** The user changes made in the system are committed by (API writes name the integration user). */
const ORG_USER_ID = '005d0000002demoAAA';
/** Commit numbers look like Salesforce's system change numbers: large and increasing. */
const FIRST_COMMIT_NUMBER = 1_100_670_838_951;

/** One API request's writes: their events share the key and count up in `sequenceNumber`. */
export interface WriteTransaction {
  readonly origin: string;
  readonly user: string;
  readonly key: string;
  sequence: number;
  commitNumber: number | null;
}

export class ChangeDataCapture {
  readonly log: ChangeEventLog;
  readonly bayeux: BayeuxServer;
  private current: WriteTransaction | null = null;
  private commitNumber = FIRST_COMMIT_NUMBER;

  constructor(
    store: SalesforceStore,
    options: SalesforceStreamingOptions & {
      isAuthorized: (authorization: string | undefined) => boolean;
      outage: () => number | null;
    },
  ) {
    this.log = new ChangeEventLog(options.retainedEvents ?? DEFAULT_RETAINED_EVENTS);
    this.bayeux = new BayeuxServer({
      log: this.log,
      entityOfChannel,
      isAuthorized: options.isAuthorized,
      outage: options.outage,
      connectTimeoutMs: options.connectTimeoutMs,
      clientTimeoutMs: options.clientTimeoutMs,
    });
    store.onChange((change) => {
      const tx = this.current ?? this.transaction('', ORG_USER_ID);
      tx.sequence++;
      tx.commitNumber ??= ++this.commitNumber;
      this.log.append(
        change.objectName,
        changeEventOf(change, {
          origin: tx.origin,
          transactionKey: tx.key,
          sequenceNumber: tx.sequence,
          commitNumber: tx.commitNumber,
          user: tx.user,
        }),
      );
    });
  }

  transaction(origin: string, user: string): WriteTransaction {
    return { origin, user, key: randomUUID(), sequence: 0, commitNumber: null };
  }

  /** Runs a store write whose change event belongs to `tx`. */
  within<T>(tx: WriteTransaction, write: () => T): T {
    this.current = tx;
    try {
      return write();
    } finally {
      this.current = null;
    }
  }

  /** `GET /__admin/change-events` and `POST /__admin/change-events/expire` (`{throughReplayId?}`). */
  async admin(path: string, ctx: RequestContext): Promise<boolean> {
    const method = ctx.req.method;
    if (path === '/__admin/change-events' && method === 'GET') {
      sendJson(ctx, 200, this.summary());
      return true;
    }
    if (path === '/__admin/change-events/expire' && method === 'POST') {
      const body = (await ctx.readJson()) as { throughReplayId?: unknown };
      const through = body.throughReplayId;
      if (through !== undefined && (typeof through !== 'number' || !Number.isInteger(through))) {
        sendJson(ctx, 400, { error: 'throughReplayId must be an integer' });
        return true;
      }
      const expired = this.log.expire(through);
      sendJson(ctx, 200, { expired, ...this.summary() });
      return true;
    }
    return false;
  }

  private summary(): Record<string, unknown> {
    return {
      retained: this.log.size,
      capacity: this.log.capacity,
      firstReplayId: this.log.firstReplayId,
      lastReplayId: this.log.lastReplayId,
      clients: this.bayeux.subscribedClientCount,
      heldConnects: this.bayeux.heldConnectCount,
    };
  }
}

/**
 * `com/salesforce/api/rest/60.0`, with `;client=<id>` when the request named its client in
 * `Sforce-Call-Options` (how an integration recognises, and skips, the changes it made itself).
 */
export function restChangeOrigin(ctx: RequestContext): string {
  const version = /\/services\/data\/v(\d+\.\d)\//.exec(ctx.url.pathname)?.[1] ?? '60.0';
  const options = ctx.req.headers['sforce-call-options'];
  const client = /(?:^|[\s,;])client=([^\s,;]+)/.exec(Array.isArray(options) ? options.join(',') : (options ?? ''));
  return `com/salesforce/api/rest/${version}${client ? `;client=${client[1]}` : ''}`;
}
