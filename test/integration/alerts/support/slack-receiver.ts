import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitProblems } from '../../../../backend/src/modules/alerts/slack/block-kit-validator';

export interface ReceivedSlackCall {
  method: string;
  args: Record<string, unknown>;
  problems: string[];
}

interface ScriptedFailure {
  status: number;
  retryAfterSeconds?: number;
}

/**
 * A Slack-compatible Web API on loopback: answers chat.postMessage and chat.update like Slack,
 * records every call, validates Block Kit payloads, and can be told to fail (429, 5xx). Incoming
 * webhooks live under `/services/…` (see `webhookUrl`) and answer as Slack's do: `ok` as text/plain,
 * `invalid_blocks` with a 400, `no_service` with a 404 for a hook that does not exist.
 */
export class SlackReceiver {
  /** What changes a channel (chat.postMessage, chat.update, webhook posts), in order. */
  readonly calls: ReceivedSlackCall[] = [];
  /** Lookups (chat.getPermalink): answered, recorded apart, never failed by `failNext`. */
  readonly reads: ReceivedSlackCall[] = [];
  private readonly failures: ScriptedFailure[] = [];
  private server: Server | undefined;
  private counter = 0;
  private base = '';
  /** Hooks that exist, by the name given to `webhookUrl`. */
  private readonly hooks = new Set<string>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, headers, body }) => {
        const text = typeof body === 'string';
        res.writeHead(status, { 'content-type': text ? 'text/plain' : 'application/json', ...headers });
        res.end(text ? body : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return `${this.base}/api/`;
  }

  /** An incoming webhook URL; calls to it are recorded with method `webhook:<name>`. */
  webhookUrl(name: string): string {
    this.hooks.add(name);
    return `${this.base}/services/T0000TEST/B0000TEST/${name}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  failNext(failure: ScriptedFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  clear(): void {
    this.calls.length = 0;
    this.reads.length = 0;
    this.failures.length = 0;
  }

  private async handle(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    if (req.url?.startsWith('/services/')) return this.webhook(req.url.split('/').pop() ?? '', raw);
    const method = (req.url ?? '').replace(/^\/api\//, '');
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    if (method === 'chat.getPermalink') {
      this.reads.push({ method, args, problems: [] });
      const channel = String(args.channel);
      const ts = String(args.message_ts).replace('.', '');
      return {
        status: 200,
        headers: {},
        body: { ok: true, channel, permalink: `https://driftwatch-test.slack.com/archives/${channel}/p${ts}` },
      };
    }
    const problems = method.startsWith('chat.') ? blockKitProblems(args) : [];
    this.calls.push({ method, args, problems });
    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds
        ? { 'retry-after': String(failure.retryAfterSeconds) }
        : {};
      return {
        status: failure.status,
        headers,
        body: { ok: false, error: failure.status === 429 ? 'ratelimited' : 'fatal_error' },
      };
    }
    if (req.headers.authorization !== 'Bearer xoxb-test-token')
      return { status: 200, headers: {}, body: { ok: false, error: 'invalid_auth' } };
    if (problems.length > 0)
      return { status: 200, headers: {}, body: { ok: false, error: 'invalid_blocks', problems } };
    switch (method) {
      case 'chat.postMessage':
        this.counter += 1;
        return {
          status: 200,
          headers: {},
          body: { ok: true, channel: String(args.channel), ts: `1700000000.${String(this.counter).padStart(6, '0')}` },
        };
      case 'chat.update':
        return { status: 200, headers: {}, body: { ok: true, channel: String(args.channel), ts: String(args.ts) } };
      default:
        return { status: 200, headers: {}, body: { ok: false, error: 'unknown_method' } };
    }
  }

  private webhook(name: string, raw: string): { status: number; headers: Record<string, string>; body: string } {
    const args = JSON.parse(raw) as Record<string, unknown>;
    const problems = blockKitProblems(args);
    this.calls.push({ method: `webhook:${name}`, args, problems });
    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds
        ? { 'retry-after': String(failure.retryAfterSeconds) }
        : {};
      return { status: failure.status, headers, body: failure.status === 429 ? 'rate_limited' : 'rollup_error' };
    }
    if (!this.hooks.has(name)) return { status: 404, headers: {}, body: 'no_service' };
    if (problems.length > 0) return { status: 400, headers: {}, body: 'invalid_blocks' };
    return { status: 200, headers: {}, body: 'ok' };
  }
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = key === 'blocks' || key === 'attachments' ? (JSON.parse(value) as unknown) : value;
  }
  return args;
}
