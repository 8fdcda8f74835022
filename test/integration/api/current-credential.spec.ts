import request from 'supertest';
import { startApiApp, type ApiTestApp } from './support/api-app';
import { AUDIENCE, ISSUER, startLocalIdentityProvider, type LocalIdentityProvider } from './support/local-jwks';

const ME = '/api/v1/auth/me';

describe('GET /api/v1/auth/me: the caller learns its own credential kind, name and roles, never secrets', () => {
  let t: ApiTestApp;
  let idp: LocalIdentityProvider;

  beforeAll(async () => {
    idp = await startLocalIdentityProvider();
    t = await startApiApp({
      OIDC_JWKS_URL: idp.jwksUrl,
      OIDC_ISSUER: ISSUER,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_ROLES_CLAIM: 'realm_access.roles',
    });
  });

  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it.each([['viewer'], ['engineer'], ['steward'], ['admin']] as const)(
    'answers an API key holding %s with exactly kind, name and roles',
    async (role) => {
      const created = await t.key([role], { name: `grafana-${role}` });
      const res = await request(t.server).get(ME).set('X-API-Key', created.key).expect(200);
      expect(res.body).toEqual({ kind: 'api_key', name: `grafana-${role}`, roles: [role] });
      const body = JSON.stringify(res.body);
      expect(body).not.toContain(created.key.slice(-43)); // the 256-bit secret (base64url may hold '_')
      expect(body).not.toContain(created.keyId);
      expect(body).not.toContain(created.id);
    },
  );

  it('reports every role of a key holding several', async () => {
    const { key } = await t.key(['viewer', 'steward'], { name: 'two-roles' });
    const res = await request(t.server).get(ME).set('Authorization', `Bearer ${key}`).expect(200);
    expect(res.body).toEqual({ kind: 'api_key', name: 'two-roles', roles: ['viewer', 'steward'] });
  });

  it('answers an OIDC token with its preferred_username and the roles from the configured claim', async () => {
    const token = await idp.sign({ preferred_username: 'ada', realm_access: { roles: ['engineer', 'unrelated'] } });
    const res = await request(t.server).get(ME).set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ kind: 'oidc', name: 'ada', roles: ['engineer'] });
    expect(JSON.stringify(res.body)).not.toContain(token.split('.')[2]);
  });

  it('refuses a request without credentials with 401', async () => {
    const res = await request(t.server).get(ME).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a revoked key with 401', async () => {
    const admin = await t.key(['admin']);
    const victim = await t.key(['viewer']);
    await request(t.server).get(ME).set('X-API-Key', victim.key).expect(200);
    await request(t.server).delete(`/api/v1/api-keys/${victim.id}`).set('X-API-Key', admin.key).expect(200);
    const res = await request(t.server).get(ME).set('X-API-Key', victim.key).expect(401);
    expect(res.body.message).toMatch(/revoked/);
  });
});
