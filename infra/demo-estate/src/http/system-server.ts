/**
 * The HTTP machinery every estate system shares (node:http, no framework: the servers need byte-level
 * control to cut a connection mid-page): routing, bodies, JSON replies, fault injection, write counting
 * and the `/__admin/*` endpoints tests use to steer a running system.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultInjector, type FaultKind, type SystemFaults } from './fault-injector';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  faults: Set<FaultKind>;
  readBody(): Promise<string>;
  readJson(): Promise<unknown>;
  readForm(): Promise<URLSearchParams>;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  /** List pages can be dropped mid-body or carry malformed records. */
  list: boolean;
  /** Token and admin endpoints are never faulted. */
  faultable: boolean;
}

/** How a system writes its own flavour of the generic errors. */
export interface ErrorStyle {
  unauthorized(): HttpError;
  throttled(retryAfterSeconds: number): HttpError;
  outage(status: number): HttpError;
  notFound(what: string): HttpError;
  badRequest(message: string): HttpError;
  internal(message: string): HttpError;
}

export interface AdminHooks {
  mutate?(entity: string, key: string, fields: Record<string, unknown>): unknown;
  record?(entity: string, key: string): unknown;
  expireTokens?(): void;
  extra?(path: string, ctx: RequestContext): Promise<boolean> | boolean;
}

export class WriteStats {
  total = 0;
  readonly byKey = new Map<string, number>();
  requests = 0;

  record(entity: string, key: string): void {
    this.total++;
    const k = `${entity}/${key}`;
    this.byKey.set(k, (this.byKey.get(k) ?? 0) + 1);
  }

  reset(): void {
    this.total = 0;
    this.requests = 0;
    this.byKey.clear();
  }

  toJSON(): unknown {
    return { requests: this.requests, writes: this.total, writesByKey: Object.fromEntries(this.byKey) };
  }
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class SystemServer {
  private readonly routes: Route[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  readonly stats = new WriteStats();
  readonly faults: FaultInjector;
  baseUrl = '';

  constructor(
    readonly name: string,
    private readonly errors: ErrorStyle,
    faults: SystemFaults = {},
    seed = 1,
    private readonly admin: AdminHooks = {},
  ) {
    this.faults = new FaultInjector(faults, seed);
  }

  route(
    method: string,
    pattern: RegExp,
    handler: Handler,
    options: { list?: boolean; faultable?: boolean } = {},
  ): this {
    this.routes.push({ method, pattern, handler, list: options.list ?? false, faultable: options.faultable ?? true });
    return this;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      void this.dispatch(req, res);
    });
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl || 'http://127.0.0.1');
    let bodyPromise: Promise<string> | null = null;
    const readBody = () => (bodyPromise ??= readRequestBody(req));
    const ctx: RequestContext = {
      req,
      res,
      url,
      params: {},
      faults: new Set(),
      readBody,
      readJson: async () => {
        const text = await readBody();
        try {
          return text.length === 0 ? {} : (JSON.parse(text) as unknown);
        } catch {
          throw this.errors.badRequest('The request body is not valid JSON');
        }
      },
      readForm: async () => new URLSearchParams(await readBody()),
    };
    try {
      if (url.pathname.startsWith('/__admin/')) {
        await this.handleAdmin(ctx);
        return;
      }
      this.stats.requests++;
      const method = req.method ?? 'GET';
      let matched: Route | undefined;
      let pathMatched = false;
      for (const route of this.routes) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (route.method !== method) continue;
        matched = route;
        ctx.params = Object.fromEntries(
          Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v ?? '')]),
        );
        break;
      }
      if (!matched) {
        if (pathMatched) throw new HttpError(405, { message: `Method ${method} not allowed` });
        throw this.errors.notFound(url.pathname);
      }
      if (matched.faultable) {
        ctx.faults = this.faults.decide(matched.list && method === 'GET');
        if (ctx.faults.has('outage')) throw this.errors.outage(this.faults.outageStatus);
        if (ctx.faults.has('throttle')) throw this.errors.throttled(this.faults.retryAfterSeconds);
        if (ctx.faults.has('slow')) await new Promise((r) => setTimeout(r, this.faults.slowMs));
      }
      await matched.handler(ctx);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(ctx, error.status, error.body, error.headers);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        const e = this.errors.internal(message);
        sendJson(ctx, e.status, e.body);
      }
    }
  }

  private async handleAdmin(ctx: RequestContext): Promise<void> {
    const path = ctx.url.pathname;
    const method = ctx.req.method;
    if (path === '/__admin/health') return sendJson(ctx, 200, { system: this.name, ok: true });
    if (path === '/__admin/faults' && method === 'GET') return sendJson(ctx, 200, this.faults.current);
    if (path === '/__admin/faults' && method === 'POST') {
      try {
        return sendJson(ctx, 200, this.faults.set((await ctx.readJson()) as SystemFaults));
      } catch (error) {
        return sendJson(ctx, 400, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (path === '/__admin/stats' && method === 'GET')
      return sendJson(ctx, 200, { ...(this.stats.toJSON() as object), faultsInjected: this.faults.injected });
    if (path === '/__admin/stats/reset' && method === 'POST') {
      this.stats.reset();
      return sendJson(ctx, 200, this.stats.toJSON());
    }
    if (path === '/__admin/expire-tokens' && method === 'POST' && this.admin.expireTokens) {
      this.admin.expireTokens();
      return sendJson(ctx, 200, { expired: true });
    }
    if (path === '/__admin/mutate' && method === 'POST' && this.admin.mutate) {
      const body = (await ctx.readJson()) as { entity?: string; key?: string; fields?: Record<string, unknown> };
      if (!body.entity || !body.key || typeof body.fields !== 'object' || body.fields === null)
        return sendJson(ctx, 400, { error: 'expected {"entity","key","fields":{...}}' });
      try {
        return sendJson(ctx, 200, this.admin.mutate(body.entity, body.key, body.fields));
      } catch (error) {
        return sendJson(ctx, 404, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (path === '/__admin/record' && method === 'GET' && this.admin.record) {
      const rec = this.admin.record(ctx.url.searchParams.get('entity') ?? '', ctx.url.searchParams.get('key') ?? '');
      return rec === undefined ? sendJson(ctx, 404, { error: 'no such record' }) : sendJson(ctx, 200, rec);
    }
    if (this.admin.extra && (await this.admin.extra(path, ctx))) return;
    sendJson(ctx, 404, { error: `no admin endpoint ${method} ${path}` });
  }
}

async function readRequestBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { message: 'Request body too large' });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends JSON; when the request drew a `drop` fault, sends half the body and cuts the connection. */
export function sendJson(
  ctx: RequestContext,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  const buffer = Buffer.from(text, 'utf8');
  ctx.res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': String(buffer.length),
    ...headers,
  });
  if (ctx.faults.has('drop') && buffer.length > 1) {
    ctx.res.write(buffer.subarray(0, Math.floor(buffer.length / 2)), () => ctx.res.destroy());
    return;
  }
  ctx.res.end(buffer);
}

/** Sends a text body (an estate system's web page) as it is: pages are never faulted. */
export function sendText(ctx: RequestContext, status: number, contentType: string, body: string): void {
  const buffer = Buffer.from(body, 'utf8');
  ctx.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(buffer.length) });
  ctx.res.end(buffer);
}

export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, headers);
  ctx.res.end();
}

const OVERLONG = 'X'.repeat(70_000);

/** Corrupts one record of a page the way real feeds go wrong; the field kinds come from the system. */
export function malformRecord(
  record: Record<string, unknown>,
  fields: { date: string; required: string; text: string },
  variant: number,
): void {
  switch (variant % 3) {
    case 0:
      record[fields.date] = '2024-02-30T25:61:00Z';
      break;
    case 1:
      record[fields.required] = null;
      break;
    default:
      record[fields.text] = OVERLONG;
  }
}
