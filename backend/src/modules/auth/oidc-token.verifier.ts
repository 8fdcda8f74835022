import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ConfigService } from '../../config/config.service';
import { InvalidConfigError } from '../../config/env.schema';
import type { Principal } from './principal';
import { isRole, type Role } from './roles';

// Asymmetric algorithms only: a JWKS of public keys cannot verify HMAC tokens, and must not try.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Verifies OIDC bearer tokens against the provider's JWKS; roles come from a configurable claim. */
@Injectable()
export class OidcTokenVerifier {
  private readonly logger = new Logger(OidcTokenVerifier.name);
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly issuer?: string;
  private readonly audience?: string;
  private readonly rolesClaim: string[];

  constructor(config: ConfigService) {
    const url = config.get('OIDC_JWKS_URL');
    this.issuer = config.get('OIDC_ISSUER');
    this.audience = config.get('OIDC_AUDIENCE');
    this.rolesClaim = config.get('OIDC_ROLES_CLAIM').split('.');
    if (url) {
      const missing = [
        ...(this.issuer ? [] : ['OIDC_ISSUER: required when OIDC_JWKS_URL is set']),
        ...(this.audience ? [] : ['OIDC_AUDIENCE: required when OIDC_JWKS_URL is set']),
      ];
      if (missing.length) throw new InvalidConfigError(missing);
      this.jwks = createRemoteJWKSet(new URL(url), { timeoutDuration: 3000, cooldownDuration: 30_000 });
    }
  }

  get enabled(): boolean {
    return this.jwks !== undefined;
  }

  async verify(token: string): Promise<Principal> {
    if (!this.jwks) throw new UnauthorizedException('bearer tokens are not accepted: OIDC is not configured');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: ALGORITHMS,
        clockTolerance: 30,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new UnauthorizedException(this.describe(error));
    }
    const sub = payload.sub ?? '';
    const name = [payload.preferred_username, payload.email, sub].find(
      (v): v is string => typeof v === 'string' && !!v,
    );
    return { kind: 'oidc', id: sub, name: name ?? sub, roles: this.roles(payload), actor: `oidc:${sub}` };
  }

  private roles(payload: JWTPayload): Role[] {
    let value: unknown = payload;
    for (const part of this.rolesClaim) {
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
    return [...new Set(list.filter(isRole))];
  }

  private describe(error: unknown): string {
    if (error instanceof errors.JWTExpired) return 'token expired';
    if (error instanceof errors.JWTClaimValidationFailed) return `token ${error.claim} claim is not accepted`;
    if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
    if (error instanceof errors.JWKSNoMatchingKey) return 'token is signed by an unknown key';
    if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
      this.logger.warn(`JWKS unavailable: ${error.message}`);
      return 'token could not be verified: identity provider keys unavailable';
    }
    if (error instanceof errors.JOSEError) return 'token is malformed';
    this.logger.warn(`token verification failed: ${error instanceof Error ? error.message : String(error)}`);
    return 'token could not be verified';
  }
}
