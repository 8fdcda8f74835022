import { HttpStatus, Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { ConfigService } from '../config/config.service';
import type { ApiErrorBody } from './api-error';
import { httpMetricsMiddleware } from './http-metrics.middleware';
import { requestContextMiddleware } from './request-context';
import { requestIdOf } from './request-id';

const ALLOWED_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id'];

// Requests refused here never reach pino-http (a Nest middleware, installed after these): without this
// line the error body's requestId would be the only trace of them.
const refusals = new Logger('HttpHardening');

function logRefusal(req: IncomingMessage, status: number, message: string): void {
  refusals.warn(
    { req: { id: req.id, method: req.method, url: req.url }, res: { statusCode: status } },
    `refused: ${message}`,
  );
}

/**
 * Security headers, strict CORS, request metrics, request context and size-limited body parsing.
 * Create the app with `bodyParser: false` so that these parsers (with our limits and JSON errors)
 * are the only ones.
 */
export function applyHttpHardening(app: NestExpressApplication, config: ConfigService): void {
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    requestIdOf(req, res);
    next();
  });
  app.use(httpMetricsMiddleware());
  app.use(requestContextMiddleware);
  app.use(
    helmet({
      // The dashboard and Swagger UI load only their own scripts; inline styles are Swagger UI's.
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
        },
      },
    }),
  );
  const origins = config.get('CORS_ORIGINS');
  app.enableCors({
    // Only listed origins get CORS headers; an unlisted origin's browser then blocks the response.
    origin: (origin, callback) => callback(null, origin !== undefined && origins.includes(origin)),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id', 'retry-after'],
    credentials: false,
    maxAge: 600,
  });
  app.use(refuseNulInUrl);
  const limit = config.get('HTTP_BODY_LIMIT');
  app.use(
    guarded(
      express.json({
        limit,
        type: ['application/json', 'application/*+json'],
        // Signed webhooks (connector change events) are verified over the exact bytes received.
        verify: keepRawBody,
      }),
    ),
  );
  app.use(
    guarded(
      express.urlencoded({
        limit,
        extended: false,
        parameterLimit: 200,
        // Signed webhooks (Slack interactivity) are verified over the exact bytes received.
        verify: keepRawBody,
      }),
    ),
  );
  app.use(checkBody);
}

/** Body types the parsers above read; any other body would reach the routes as no body at all. */
const PARSED_TYPES = ['application/json', 'application/*+json', 'application/x-www-form-urlencoded'];
/** Far deeper than any request body of the API; deep enough nesting overflows the stack of validation. */
const MAX_BODY_DEPTH = 32;

/**
 * Refuses a body the parsers did not read (a JSON text sent as text/plain would otherwise be ignored and
 * the request run as if it had no body: POST reconciliation/runs would start a full run), and a parsed
 * body that no route can take: nested deeper than MAX_BODY_DEPTH, or with a NUL character in a string
 * (Postgres stores none, and every mutation's body goes to the audit log).
 */
function checkBody(req: Request, res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return next();
  if (!req.is(PARSED_TYPES)) {
    // The body is not read: close the connection rather than leave it half-consumed.
    res.setHeader('Connection', 'close');
    return refuse(
      res,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'request body must be JSON sent with Content-Type: application/json',
      'body',
    );
  }
  const problem = bodyProblem(req.body);
  if (problem) return refuse(res, HttpStatus.BAD_REQUEST, problem.message, problem.field);
  next();
}

/** The first shared rule a parsed body breaks; walks the body without recursion (its depth is the question). */
function bodyProblem(body: unknown): { field: string; message: string } | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value, path, depth } = item;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) {
        const field = path || 'body';
        return { field, message: `${field}: must not contain NUL characters (\\u0000)` };
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      return { field: 'body', message: `request body is nested more than ${MAX_BODY_DEPTH} levels deep` };
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${safeName(key)}` : safeName(key);
      if (key.includes('\u0000')) {
        return { field: childPath, message: `${childPath}: property names must not contain NUL characters` };
      }
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * A NUL character (%00) in the path or the query can reach no resource and fails any Postgres query it is
 * bound to: refused here for every route, naming where it is.
 */
function refuseNulInUrl(req: Request, res: Response, next: NextFunction): void {
  const url = req.originalUrl;
  if (!/%00/i.test(url)) return next();
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  if (/%00/i.test(path))
    return refuse(res, HttpStatus.BAD_REQUEST, 'the path must not contain NUL characters (%00)', 'path');
  let field = 'query';
  try {
    for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
      if (`${name}${value}`.includes('\u0000')) {
        field = safeName(name);
        break;
      }
    }
  } catch {
    // A query that does not decode: the generic field name is as precise as we can be.
  }
  refuse(res, HttpStatus.BAD_REQUEST, `query parameter '${field}' must not contain NUL characters (%00)`, field);
}

// Names in a body or query are client-chosen: keep the part we echo short and plain.
const safeName = (name: string): string => name.replace(/[^\w.[\]$-]/g, '?').slice(0, 64);

function refuse(res: Response, status: HttpStatus, message: string, field: string): void {
  const body: ApiErrorBody = {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    field,
    requestId: requestIdOf(res.req, res),
  };
  logRefusal(res.req, status, message);
  res.status(status).json(body);
}

/** Keeps a reference to the bytes the parser read (no copy) as `req.rawBody`. */
function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as Request & { rawBody?: Buffer }).rawBody = buf;
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

const BODY_ERRORS: Record<string, [number, string]> = {
  'entity.too.large': [HttpStatus.PAYLOAD_TOO_LARGE, 'request body is larger than the limit'],
  'entity.parse.failed': [HttpStatus.BAD_REQUEST, 'request body is not valid JSON'],
  'encoding.unsupported': [HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'request body encoding is not supported'],
  'charset.unsupported': [HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'request body charset is not supported'],
  'parameters.too.many': [HttpStatus.PAYLOAD_TOO_LARGE, 'request body has too many parameters'],
  'request.size.invalid': [HttpStatus.BAD_REQUEST, 'request body is shorter or longer than Content-Length'],
  'request.aborted': [HttpStatus.BAD_REQUEST, 'request body was aborted'],
};

/** Body parser errors happen before Nest's filters; answer them in the same JSON shape here. */
function guarded(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    void parser(req, res, (error?: unknown) => {
      if (!error) return next();
      const known = BODY_ERRORS[(error as BodyParserError).type ?? ''];
      const [status, message] = known ?? [HttpStatus.BAD_REQUEST, 'request body could not be read'];
      const body: ApiErrorBody = {
        statusCode: status,
        error: status === 413 ? 'Payload Too Large' : 'Bad Request',
        message,
        field: 'body',
        requestId: requestIdOf(req, res),
      };
      if (status === 415) body.error = 'Unsupported Media Type';
      if (res.headersSent) return;
      logRefusal(req, status, message);
      // The rest of the body is not read; close the connection rather than leave it half-consumed.
      res.setHeader('Connection', 'close');
      res.status(status).json(body);
    });
  };
}
