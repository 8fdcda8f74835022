import { HttpStatus } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import type { IncomingMessage } from 'node:http';
import type { ConfigService } from '../config/config.service';
import type { ApiErrorBody } from './api-error';
import { httpMetricsMiddleware } from './http-metrics.middleware';
import { requestContextMiddleware } from './request-context';

const ALLOWED_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id'];

/**
 * Security headers, strict CORS, request metrics, request context and size-limited body parsing.
 * Create the app with `bodyParser: false` so that these parsers (with our limits and JSON errors)
 * are the only ones.
 */
export function applyHttpHardening(app: NestExpressApplication, config: ConfigService): void {
  app.disable('x-powered-by');
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
      };
      if (status === 415) body.error = 'Unsupported Media Type';
      if (res.headersSent) return;
      // The rest of the body is not read; close the connection rather than leave it half-consumed.
      res.setHeader('Connection', 'close');
      res.status(status).json(body);
    });
  };
}
