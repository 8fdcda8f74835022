import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { Request } from 'express';

const API_KEY_ID = /^(?:Bearer\s+)?dwk_([0-9a-f]{12})_/i;

/**
 * Rate limits per credential: per API key (by its public id), per bearer token, else per client IP.
 * Runs before authentication so that guessing keys is limited too, which is why it reads the
 * presented credential rather than the verified principal. Probes (`/health`, `/metrics`) are not limited.
 */
@Injectable()
export class KeyedThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const { headers, ip } = req as unknown as Request;
    const presented = headers['x-api-key'] ?? headers.authorization;
    if (typeof presented === 'string' && presented) {
      const keyId = API_KEY_ID.exec(presented.trim());
      if (keyId) return Promise.resolve(`key:${keyId[1]}`);
      return Promise.resolve(`token:${createHash('sha256').update(presented).digest('hex').slice(0, 32)}`);
    }
    return Promise.resolve(`ip:${ip ?? 'unknown'}`);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const path = context.switchToHttp().getRequest<Request>().path;
    return Promise.resolve(/^\/(health|metrics)(\/|$)/.test(path));
  }
}
