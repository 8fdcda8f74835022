/**
 * Outbound webhooks of the WMS: one POST per shipment status change to every subscription, signed
 * with HMAC-SHA256 over the raw body (`X-WMS-Signature: sha256=<hex>`), stamped with
 * `X-WMS-Timestamp` (unix seconds) and `X-WMS-Event-Id`, retried with exponential backoff.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookSubscription {
  id: string;
  url: string;
  secret: string;
}

export interface WebhookDelivery {
  eventId: string;
  subscriptionId: string;
  url: string;
  attempts: number;
  delivered: boolean;
  lastStatus: number | null;
  lastError: string | null;
}

export function signWebhook(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export class WebhookDispatcher {
  readonly subscriptions = new Map<string, WebhookSubscription>();
  readonly deliveries: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly retry: { attempts: number; baseDelayMs: number } = { attempts: 5, baseDelayMs: 500 }) {}

  subscribe(url: string, secret: string): WebhookSubscription {
    const sub = { id: randomUUID(), url, secret };
    this.subscriptions.set(sub.id, sub);
    return sub;
  }

  emit(type: string, data: unknown): void {
    if (this.stopped) return;
    const eventId = randomUUID();
    for (const sub of this.subscriptions.values()) {
      const body = JSON.stringify({ id: eventId, type, occurred_at: new Date().toISOString(), data });
      const delivery: WebhookDelivery = {
        eventId,
        subscriptionId: sub.id,
        url: sub.url,
        attempts: 0,
        delivered: false,
        lastStatus: null,
        lastError: null,
      };
      this.deliveries.push(delivery);
      if (this.deliveries.length > 10_000) this.deliveries.shift();
      this.attempt(sub, body, delivery);
    }
  }

  private attempt(sub: WebhookSubscription, body: string, delivery: WebhookDelivery): void {
    const run = (async () => {
      delivery.attempts++;
      try {
        const res = await fetch(sub.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-WMS-Event-Id': delivery.eventId,
            'X-WMS-Timestamp': String(Math.floor(Date.now() / 1000)),
            'X-WMS-Delivery-Attempt': String(delivery.attempts),
            'X-WMS-Signature': signWebhook(sub.secret, body),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        delivery.lastStatus = res.status;
        await res.arrayBuffer();
        if (res.ok) {
          delivery.delivered = true;
          return;
        }
        delivery.lastError = `HTTP ${res.status}`;
      } catch (error) {
        delivery.lastError = error instanceof Error ? error.message : String(error);
      }
      if (delivery.attempts < this.retry.attempts && !this.stopped) {
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            this.attempt(sub, body, delivery);
          },
          this.retry.baseDelayMs * 2 ** (delivery.attempts - 1),
        );
        this.timers.add(timer);
      }
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }
}
