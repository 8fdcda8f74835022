import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiKeyService, looksLikeApiKey } from './api-key.service';
import { OidcTokenVerifier } from './oidc-token.verifier';
import type { Principal } from './principal';

/**
 * Reads the caller's credentials: `X-API-Key: dwk_…`, `Authorization: Bearer dwk_…` (API key) or
 * `Authorization: Bearer <JWT>` (OIDC).
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly oidc: OidcTokenVerifier,
  ) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    const apiKey = headers['x-api-key'];
    const authorization = headers.authorization;
    if (apiKey !== undefined) {
      if (typeof apiKey !== 'string' || authorization !== undefined) {
        throw new UnauthorizedException('send exactly one credential: one X-API-Key header or Authorization');
      }
      return this.apiKeys.authenticate(apiKey.trim());
    }
    if (!authorization) {
      throw new UnauthorizedException('missing credentials: send Authorization: Bearer <token> or X-API-Key');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new UnauthorizedException('unsupported Authorization header: use Bearer');
    const token = match[1];
    return looksLikeApiKey(token) ? this.apiKeys.authenticate(token) : this.oidc.verify(token);
  }
}
