import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack signs interactivity requests with v0 HMAC-SHA256 over `v0:timestamp:body`. */
export const SLACK_SIGNATURE_VERSION = 'v0';
export const SLACK_REPLAY_WINDOW_SECONDS = 300;

export type SlackSignatureFailure = 'missing' | 'stale' | 'mismatch' | 'replayed';

export class SlackSignatureError extends Error {
  constructor(readonly reason: SlackSignatureFailure) {
    super(`Slack request signature rejected: ${reason}`);
    this.name = 'SlackSignatureError';
  }
}

export interface SlackSignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer | string;
}

export function signSlackRequest(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const base = Buffer.concat([Buffer.from(`${SLACK_SIGNATURE_VERSION}:${timestamp}:`), Buffer.from(rawBody)]);
  return `${SLACK_SIGNATURE_VERSION}=${createHmac('sha256', signingSecret).update(base).digest('hex')}`;
}

/**
 * Checks the signature and the 5-minute window; returns the signature so the caller can refuse a
 * replay of the same request inside the window.
 */
export function verifySlackSignature(
  signingSecret: string,
  request: SlackSignedRequest,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): string {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) throw new SlackSignatureError('missing');
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_REPLAY_WINDOW_SECONDS) throw new SlackSignatureError('stale');
  const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SlackSignatureError('mismatch');
  }
  return signature;
}
