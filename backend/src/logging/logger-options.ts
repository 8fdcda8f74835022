import type { LoggerModuleAsyncParams } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigService } from '../config/config.service';
import { requestIdOf } from '../http/request-id';

const QUIET_PATHS = /^\/(health|metrics)/;

/** Paths pino redacts everywhere: credentials never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.clientSecret',
];

/**
 * What a request's log line keeps of it: enough to find it (id, method, path, caller address, client)
 * and its answer's status. pino-http's defaults log every request and response header; most are noise
 * (security headers on every answer), and a header list is where credentials and webhook signatures
 * leak from when a new header is not on the redaction list.
 */
export const httpSerializers = {
  req: (req: {
    id?: unknown;
    method?: string;
    url?: string;
    headers?: Record<string, unknown>;
    remoteAddress?: string;
  }) => ({
    id: req.id,
    method: req.method,
    url: req.url,
    remoteAddress: req.remoteAddress,
    userAgent: req.headers?.['user-agent'],
  }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

export const loggerOptions: LoggerModuleAsyncParams = {
  inject: [ConfigService],
  useFactory: (config: ConfigService) => ({
    pinoHttp: {
      level: config.get('LOG_LEVEL'),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: httpSerializers,
      genReqId: (req: IncomingMessage, res: ServerResponse) => requestIdOf(req, res),
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
    },
  }),
};
