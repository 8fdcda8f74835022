import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

export const ISSUER = 'https://idp.driftwatch.test/';
export const AUDIENCE = 'driftwatch-api';

export interface LocalIdentityProvider {
  jwksUrl: string;
  /** Signs a token with the served key; override any claim or header. */
  sign(claims?: JWTPayload, options?: { expiresIn?: string | number; key?: KeyLike; kid?: string }): Promise<string>;
  /** A key pair the JWKS does not serve, for forged tokens. */
  strangerKey: KeyLike;
  requests: () => number;
  close(): Promise<void>;
}

/** An OIDC provider's JWKS endpoint on loopback, serving a key generated for the test. */
export async function startLocalIdentityProvider(): Promise<LocalIdentityProvider> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    strangerKey: stranger.privateKey,
    requests: () => requests,
    async sign(claims = {}, options = {}) {
      return new SignJWT({ roles: ['viewer'], ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'test-key-1' })
        .setSubject(typeof claims.sub === 'string' ? claims.sub : 'user-123')
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : ISSUER)
        .setAudience(claims.aud ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '10m')
        .sign(options.key ?? privateKey);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
