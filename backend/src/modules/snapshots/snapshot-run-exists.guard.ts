import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Request } from 'express';
import { SnapshotsService } from './snapshots.service';

/**
 * Answers 404 for the progress stream of a snapshot run that does not exist. The @Sse() handler cannot:
 * Nest commits a stream's 200 headers before an async handler settles, so its NotFoundException would
 * arrive as an `error` event of a 200 stream. Guards run before the headers are sent.
 */
@Injectable()
export class SnapshotRunExistsGuard implements CanActivate {
  constructor(private readonly snapshots: SnapshotsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { id } = context.switchToHttp().getRequest<Request>().params;
    // A malformed id is ParseUUIDPipe's to refuse (400), which runs after the guards.
    if (typeof id === 'string' && isUUID(id)) await this.snapshots.get(id);
    return true;
  }
}
