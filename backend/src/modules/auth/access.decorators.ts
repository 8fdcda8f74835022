import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthenticatedRequest, Principal } from './principal';
import type { Role } from './roles';

export const ROLES_KEY = 'driftwatch:roles';
export const PUBLIC_KEY = 'driftwatch:public';
export const LOOPBACK_PUBLIC_KEY = 'driftwatch:loopback-public';

/**
 * The roles a route accepts (or any role above them). Every route declares this or `@Public()`;
 * the guard refuses undeclared routes and `test/integration/api/route-access.spec.ts` fails on them.
 */
export const Roles = (...roles: [Role, ...Role[]]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiUnauthorizedResponse({ description: 'Missing, invalid, revoked or expired credentials.' }),
    ApiForbiddenResponse({ description: `Requires role ${roles.join(' or ')} (or above).` }),
  );

/** Open to anyone: health probes, documentation. Say why next to each use. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * Open without credentials to callers on loopback (a sidecar scraper), otherwise needs the declared
 * roles. Used for `/metrics`; switch off with METRICS_PUBLIC_ON_LOOPBACK=false.
 */
export const PublicOnLoopback = () => SetMetadata(LOOPBACK_PUBLIC_KEY, true);

/** The authenticated caller; only on routes with `@Roles`. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without @Roles');
  return principal;
});
