import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ProxyFault = 'throttle' | 'outage' | 'drop';

/**
 * A real HTTP proxy in front of a system that has no fault switch of its own (trytond): queued faults
 * hit the next requests — 429 with Retry-After, 503, or the real answer cut off half-way.
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly queue: ProxyFault[] = [];
  readonly injected: ProxyFault[] = [];
  requests = 0;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  next(...faults: ProxyFault[]): void {
    this.queue.push(...faults);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    const fault = this.queue.shift();
    if (fault) this.injected.push(fault);
    if (fault === 'throttle') {
      req.resume();
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"throttled"}');
      return;
    }
    if (fault === 'outage') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
      return;
    }
    const target = new URL(req.url ?? '/', this.target);
    const upstream = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        if (fault !== 'drop') {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(answer.statusCode ?? 200, { ...answer.headers, 'content-length': String(body.length) });
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
