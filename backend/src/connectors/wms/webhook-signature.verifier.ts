import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookVerdict =
  { ok: true; eventId: string } | { ok: false; reason: 'missing_headers' | 'bad_signature' | 'stale' | 'replayed' };

export interface WebhookVerifierOptions {
  secret: string;
  /** Deliveries older (or further in the future) than this are refused. */
  toleranceSeconds?: number;
  /** How many recent event ids are remembered to refuse replays inside the window. */
  rememberEvents?: number;
  now?: () => number;
}

/**
 * Verifies the WMS's signed webhooks: `X-WMS-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`
 * compared in constant time, `X-WMS-Timestamp` inside a window, and `X-WMS-Event-Id` seen only once
 * (the WMS signs the body only, so the timestamp alone cannot stop a replay; the event id can).
 * Give it the raw body bytes exactly as received, before any JSON parsing.
 */
export class WebhookSignatureVerifier {
  private readonly seen = new Map<string, number>();
  private readonly tolerance: number;
  private readonly remember: number;
  private readonly now: () => number;

  constructor(private readonly options: WebhookVerifierOptions) {
    this.tolerance = options.toleranceSeconds ?? 300;
    this.remember = options.rememberEvents ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  verify(rawBody: string | Buffer, headers: Record<string, string | string[] | undefined>): WebhookVerdict {
    const verdict = this.authenticate(rawBody, headers);
    if (!verdict.ok) return verdict;
    const now = this.now();
    this.forgetOld(now);
    if (this.seen.has(verdict.eventId)) return { ok: false, reason: 'replayed' };
    this.seen.set(verdict.eventId, now);
    return verdict;
  }

  /**
   * Signature and timestamp only, without this process's memory of event ids: for receivers that
   * remember event ids where every process sees them (the API's connector events route uses Redis).
   */
  authenticate(
    rawBody: string | Buffer,
    headers: Record<string, string | string[] | undefined>,
    now = this.now(),
  ): { ok: true; eventId: string } | { ok: false; reason: 'missing_headers' | 'bad_signature' | 'stale' } {
    const header = (name: string) => {
      const value = headers[name] ?? headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    const signature = header('x-wms-signature');
    const timestamp = header('x-wms-timestamp');
    const eventId = header('x-wms-event-id');
    if (!signature || !timestamp || !eventId) return { ok: false, reason: 'missing_headers' };

    const expected = Buffer.from(`sha256=${createHmac('sha256', this.options.secret).update(rawBody).digest('hex')}`);
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'bad_signature' };

    const sentAt = Number(timestamp) * 1000;
    if (!Number.isFinite(sentAt) || Math.abs(now - sentAt) > this.tolerance * 1000)
      return { ok: false, reason: 'stale' };
    return { ok: true, eventId };
  }

  private forgetOld(now: number): void {
    for (const [id, at] of this.seen) {
      if (now - at <= this.tolerance * 1000 && this.seen.size <= this.remember) break;
      this.seen.delete(id);
    }
  }
}
