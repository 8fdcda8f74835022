import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ConfigService } from '../../config/config.service';
import { LOOPBACK_PUBLIC_KEY, PUBLIC_KEY, ROLES_KEY } from './access.decorators';
import { CredentialsService } from './credentials.service';
import type { AuthenticatedRequest } from './principal';
import { satisfies, type Role } from './roles';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export type RouteAccess =
  { kind: 'public' } | { kind: 'roles'; roles: Role[]; loopbackPublic: boolean } | { kind: 'undeclared' };

/** What a handler declares; shared by the guard and the route inventory test. */
export function routeAccess(reflector: Reflector, handler: object, controller: object): RouteAccess {
  const targets = [handler, controller] as (() => unknown)[];
  if (reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return { kind: 'public' };
  const roles = reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
  if (!roles?.length) return { kind: 'undeclared' };
  return { kind: 'roles', roles, loopbackPublic: !!reflector.getAllAndOverride<boolean>(LOOPBACK_PUBLIC_KEY, targets) };
}

/**
 * The global guard: public routes pass, routes with `@Roles` need credentials holding one of the
 * roles, and routes that declare nothing are refused (fail closed).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  private readonly loopbackMetrics: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsService,
    config: ConfigService,
  ) {
    this.loopbackMetrics = config.get('METRICS_PUBLIC_ON_LOOPBACK');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const access = routeAccess(this.reflector, context.getHandler(), context.getClass());
    switch (access.kind) {
      case 'public':
        return true;
      case 'undeclared':
        this.logger.error(
          `${context.getClass().name}.${context.getHandler().name} declares neither @Roles nor @Public`,
        );
        throw new ForbiddenException('this route declares no access roles and is closed');
      case 'roles':
        break;
    }
    if (access.loopbackPublic && this.loopbackMetrics && LOOPBACK.test(req.socket.remoteAddress ?? '')) return true;
    try {
      req.principal = await this.credentials.authenticate(req.headers);
    } catch (error) {
      if (error instanceof UnauthorizedException) {
        context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="driftwatch"');
      }
      throw error;
    }
    if (!satisfies(req.principal.roles, access.roles)) {
      throw new ForbiddenException(`requires role ${access.roles.join(' or ')} (or above)`);
    }
    return true;
  }
}
