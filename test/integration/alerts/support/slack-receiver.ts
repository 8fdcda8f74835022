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
 * records every call, validates Block Kit payloads, and can be told to fail (429, 5xx).
 */
export class SlackReceiver {
  readonly calls: ReceivedSlackCall[] = [];
  private readonly failures: ScriptedFailure[] = [];
  private server: Server | undefined;
  private counter = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  failNext(failure: ScriptedFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  clear(): void {
    this.calls.length = 0;
    this.failures.length = 0;
  }

  private async handle(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const method = (req.url ?? '').replace(/^\/api\//, '');
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
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
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = key === 'blocks' || key === 'attachments' ? (JSON.parse(value) as unknown) : value;
  }
  return args;
}
