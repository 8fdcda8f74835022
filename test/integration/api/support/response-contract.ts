import type { NestExpressApplication } from '@nestjs/platform-express';
import { buildOpenApiDocument } from '../../../../backend/src/app.factory';
import { OpenApiAnswers, type OpenApiDocument } from './openapi-answers';

interface ResponseLike {
  statusCode: number;
  json(body: unknown): unknown;
  write(chunk: unknown, ...rest: unknown[]): boolean;
  getHeader(name: string): string | number | string[] | undefined;
}

interface ExpressLike {
  method: string;
  route?: { path: string };
  baseUrl: string;
}

/**
 * Checks every JSON answer the app gives (successes and errors) and the data of every server-sent
 * event against the schema the OpenAPI document (the one `backend/openapi.json` is generated from)
 * declares for its route, status and media type, as closed objects: a missing required field, a wrong
 * type or an undeclared field is recorded. A route of the API (`/api/v1/…`) answering with a status or
 * media type the document gives no schema for is recorded too, unless UNDOCUMENTED_RESPONSES names it.
 * Installed by startApiApp before the routes, so every API spec checks the contract of what it calls.
 */
export class ResponseContract {
  private answers?: OpenApiAnswers;
  private readonly early: string[] = [];

  /** What broke the contract so far. */
  get violations(): string[] {
    return [...this.early, ...(this.answers?.violations ?? [])];
  }

  install(app: NestExpressApplication): void {
    app.use((req: ExpressLike, res: ResponseLike, next: () => void) => {
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        // What goes over the wire (Dates as ISO strings, undefined fields left out), as express sends it.
        this.check(req, res.statusCode, body === undefined ? undefined : JSON.parse(JSON.stringify(body)));
        return json(body);
      };
      this.watchEvents(req, res);
      next();
    });
  }

  /** Checks the data of each server-sent event against the schema documented for `text/event-stream`. */
  private watchEvents(req: ExpressLike, res: ResponseLike): void {
    const write = res.write.bind(res);
    let pending = '';
    res.write = (chunk: unknown, ...rest: unknown[]) => {
      const type = res.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('text/event-stream')) {
        pending += Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
        for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
          const data = pending
            .slice(0, end)
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          pending = pending.slice(end + 2);
          if (data) this.checkEvent(req, res.statusCode, data);
        }
      }
      return write(chunk, ...rest);
    };
  }

  private checkEvent(req: ExpressLike, status: number, data: string): void {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      this.early.push(
        `${req.method} ${req.baseUrl}${req.route?.path ?? ''}: event data is not JSON: ${data.slice(0, 80)}`,
      );
      return;
    }
    this.check(req, status, event, 'text/event-stream');
  }

  /** Reads the document once the app is initialised (its routes are known only then). */
  load(app: NestExpressApplication): void {
    this.answers = new OpenApiAnswers(buildOpenApiDocument(app) as unknown as OpenApiDocument);
  }

  private check(req: ExpressLike, status: number, body: unknown, mediaType = 'application/json'): void {
    if (req.route === undefined) return;
    const path = `${req.baseUrl}${req.route.path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    this.answers?.check(req.method, path, status, body, mediaType);
  }
}
