import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { buildOpenApiDocument } from '../../../../backend/src/app.factory';

type Json = Record<string, unknown>;

interface DocumentedResponse {
  $ref?: string;
  content?: Record<string, { schema?: Json }>;
}

interface Operation {
  responses?: Record<string, DocumentedResponse>;
}

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
 * Routes whose JSON answers the OpenAPI document does not describe yet (`METHOD /path/{param}`).
 * Each entry is a gap to close, not a place to add routes: the list only shrinks.
 */
export const UNDOCUMENTED_RESPONSES: ReadonlySet<string> = new Set<string>([]);

/**
 * The document's schemas as JSON Schema, made closed: a property the document does not name is a
 * contract break. `nullable` (OpenAPI 3.0) becomes "null, or else the schema", so that a nullable
 * reference (`allOf: [$ref]`) takes null too.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === 'nullable') continue;
    copy[key] = key === 'example' || key === 'examples' ? value : closed(value);
  }
  if (copy.properties !== undefined && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return (schema as Json).nullable === true ? { anyOf: [{ type: 'null' }, copy] } : copy;
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
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction | null>();
  private paths: Record<string, Record<string, Operation>> = {};
  private sharedResponses: Record<string, DocumentedResponse> = {};
  readonly violations: string[] = [];

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
      this.violations.push(
        `${req.method} ${req.baseUrl}${req.route?.path ?? ''}: event data is not JSON: ${data.slice(0, 80)}`,
      );
      return;
    }
    this.check(req, status, event, 'text/event-stream');
  }

  /** Reads the document once the app is initialised (its routes are known only then). */
  load(app: NestExpressApplication): void {
    const document = closed(JSON.parse(JSON.stringify(buildOpenApiDocument(app)))) as {
      paths: Record<string, Record<string, Operation>>;
      components?: Json;
    };
    this.ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
    this.paths = document.paths;
    this.sharedResponses = (document.components?.responses ?? {}) as Record<string, DocumentedResponse>;
  }

  private check(req: ExpressLike, status: number, body: unknown, mediaType = 'application/json'): void {
    if (status < 200 || req.route === undefined) return;
    const path = `${req.baseUrl}${req.route.path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    // The product API; health, metrics and test-only routes are not part of its contract.
    if (!path.startsWith('/api/v1/')) return;
    const route = `${req.method.toUpperCase()} ${path}`;
    const validate = this.validator(req.method.toLowerCase(), path, status, mediaType);
    if (validate === undefined) return;
    if (validate === null) {
      if (!UNDOCUMENTED_RESPONSES.has(route))
        this.violations.push(`${route} ${status}: no ${mediaType} schema documented for this status`);
      return;
    }
    if (!validate(body)) {
      const problems = (validate.errors ?? [])
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
      this.violations.push(`${route} ${status}: ${problems.join('; ')}`);
    }
  }

  /** undefined: not an operation of the document (no contract to check); null: no schema for this status. */
  private validator(
    method: string,
    path: string,
    status: number,
    mediaType: string,
  ): ValidateFunction | null | undefined {
    const operation = this.paths[path]?.[method];
    if (operation === undefined) return undefined;
    const key = `${method} ${path} ${status} ${mediaType}`;
    if (!this.validators.has(key)) {
      const declared = operation.responses?.[String(status)];
      // Responses every route shares are references to components.responses.
      const response = declared?.$ref ? this.sharedResponses[declared.$ref.split('/').pop() ?? ''] : declared;
      const schema = response?.content?.[mediaType]?.schema;
      const rewritten =
        schema && JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'));
      this.validators.set(key, rewritten ? this.ajv.compile(rewritten as Json) : null);
    }
    return this.validators.get(key);
  }
}
