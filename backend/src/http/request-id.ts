import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CALLER_ID = /^[\w.-]{1,64}$/;

/**
 * The request's id, assigned once and echoed in `x-request-id`: the caller's own when it is short and
 * plain, otherwise a new UUID. pino-http keeps an id already set, so requests refused before the
 * logger (unreadable bodies, NUL characters) carry the same id in their error body.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string' || typeof req.id === 'number') return String(req.id);
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && CALLER_ID.test(header) ? header : randomUUID();
  res.setHeader('x-request-id', id);
  req.id = id;
  return id;
}
