import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../modules/auth/principal';

export type ContextRequest = Request & AuthenticatedRequest & { id?: string | number };

/**
 * The request being served, available to services without threading it through every call (the audit
 * log reads the actor and request id from here). Empty outside HTTP (jobs, CLI).
 */
const storage = new AsyncLocalStorage<ContextRequest>();

export function requestContextMiddleware(req: Request, _res: Response, next: NextFunction): void {
  storage.run(req as ContextRequest, next);
}

export const currentRequest = (): ContextRequest | undefined => storage.getStore();

/** The id pino assigned (echoed in `x-request-id`), when serving a request. */
export function currentRequestId(req: ContextRequest | undefined = currentRequest()): string | undefined {
  if (!req) return undefined;
  if (req.id !== undefined) return String(req.id);
  const header = req.res?.getHeader('x-request-id');
  return typeof header === 'string' ? header : undefined;
}
