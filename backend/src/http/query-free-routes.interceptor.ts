import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { InvalidQueryParameterError, safeParameterName } from './list-query';

/** Parameter kinds through which a handler can read the query string. */
const QUERY_READERS = new Set<number>([RouteParamtypes.QUERY, RouteParamtypes.REQUEST]);

/**
 * Refuses a query string on an API route that reads none, naming the first parameter: otherwise
 * `GET /api/v1/alerts/silences?includeExpired=true` answers 200 with the active silences only, as if
 * the parameter had been applied. Routes that read the query (`@Query()`, or `@Req()`, e.g. signed
 * webhooks) validate it themselves; health probes and /metrics (outside /api) are left alone, as
 * orchestrators and scrapers may add parameters of their own. Runs after the guards, so an
 * unauthenticated caller still gets its 401 first.
 */
@Injectable()
export class QueryFreeRoutesInterceptor implements NestInterceptor {
  private readonly readsQuery = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const first = Object.keys(req.query ?? {})[0];
      if (first !== undefined && req.path.startsWith('/api/') && !this.handlerReadsQuery(context)) {
        throw new InvalidQueryParameterError(
          safeParameterName(first),
          'is not supported: this route takes no query parameters',
        );
      }
    }
    return next.handle();
  }

  private handlerReadsQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let reads = this.readsQuery.get(handler);
    if (reads === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<
        string,
        unknown
      >;
      // Keys are `<paramtype>:<index>`; custom decorators' keys start with a non-numeric id.
      reads = Object.keys(args).some((key) => QUERY_READERS.has(Number(key.split(':')[0])));
      this.readsQuery.set(handler, reads);
    }
    return reads;
  }
}
