import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { concatMap, from, map, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/principal';
import { AuditService } from './audit.service';

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Makes sure every successful mutation leaves an audit entry. Services that know the before/after
 * state record it themselves (AuditService.record); for the others this writes a generic entry with
 * the route, path parameters and the (redacted) body. The response waits for the entry, so a
 * mutation whose audit write fails reports an error rather than passing unrecorded.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(private readonly audit: AuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    if (!MUTATIONS.has(req.method)) return next.handle();
    return next.handle().pipe(
      concatMap((result: unknown) => {
        if (req.auditRecorded) return from([result]);
        const route = (req.route as { path?: string } | undefined)?.path ?? req.path;
        const write = this.audit
          .record({
            action: `${req.method} ${route}`,
            subjectType: 'http-route',
            subjectId: Object.values(req.params ?? {}).join('/') || null,
            before: null,
            after: { params: req.params, body: req.body as unknown },
          })
          .catch((error: unknown) => {
            this.logger.error(`audit write failed for ${req.method} ${route}: ${String(error)}`);
            throw error;
          });
        return from(write).pipe(map(() => result));
      }),
    );
  }
}
