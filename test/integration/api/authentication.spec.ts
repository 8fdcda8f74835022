import request from 'supertest';
import { SignJWT } from 'jose';
import { startApiApp, type ApiTestApp } from './support/api-app';
import { AUDIENCE, ISSUER, startLocalIdentityProvider, type LocalIdentityProvider } from './support/local-jwks';

// An admin-only route: a 200 here proves authentication and the admin role.
const PROTECTED = '/api/v1/api-keys';

describe('authentication: API keys and OIDC bearer tokens against a local JWKS', () => {
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

  const expect401 = async (headers: Record<string, string>, reason: RegExp) => {
    const res = await request(t.server).get(PROTECTED).set(headers).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(res.body.message).toMatch(reason);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at \w+ \(/);
    return res;
  };

  describe('API keys', () => {
    it('accepts a valid admin key in X-API-Key and as a bearer token', async () => {
      const { key } = await t.key(['admin']);
      await request(t.server).get(PROTECTED).set('X-API-Key', key).expect(200);
      await request(t.server).get(PROTECTED).set('Authorization', `Bearer ${key}`).expect(200);
    });

    it('rejects a request without credentials', async () => {
      await expect401({}, /missing credentials/);
    });

    it('rejects a malformed key', async () => {
      await expect401({ 'X-API-Key': 'not-a-key' }, /invalid API key/);
      await expect401({ 'X-API-Key': 'dwk_zzzz_short' }, /invalid API key/);
    });

    it('rejects a key with a known id but the wrong secret', async () => {
      const { key } = await t.key(['admin']);
      const wrong = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      await expect401({ 'X-API-Key': wrong }, /invalid API key/);
    });

    it('rejects a key of the right shape that was never issued', async () => {
      await expect401({ 'X-API-Key': `dwk_0123456789ab_${'A'.repeat(43)}` }, /invalid API key/);
    });

    it('rejects a revoked key immediately', async () => {
      const admin = await t.key(['admin']);
      const victim = await t.key(['admin']);
      await request(t.server).get(PROTECTED).set('X-API-Key', victim.key).expect(200);
      await request(t.server).delete(`${PROTECTED}/${victim.id}`).set('X-API-Key', admin.key).expect(200);
      await expect401({ 'X-API-Key': victim.key }, /revoked/);
    });

    it('rejects an expired key', async () => {
      const { key } = await t.key(['admin'], { expiresAt: new Date(Date.now() - 1000) });
      await expect401({ 'X-API-Key': key }, /expired/);
    });

    it('rejects two credentials at once and unsupported schemes', async () => {
      const { key } = await t.key(['admin']);
      await expect401({ 'X-API-Key': key, Authorization: `Bearer ${key}` }, /exactly one credential/);
      await expect401({ Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }, /Bearer/);
    });

    it('stores only a hash of the key', async () => {
      const { key, id } = await t.key(['viewer']);
      const [row] = await t.sql<{ secret_hash: Buffer; key_id: string }>(
        'SELECT secret_hash, key_id FROM api_keys WHERE id = $1',
        [id],
      );
      const stored = JSON.stringify(await t.sql('SELECT * FROM api_keys WHERE id = $1', [id]));
      // dwk_<key id>_<secret>: the secret is base64url, so it may hold '_' itself (split would cut it).
      const prefix = `dwk_${row.key_id}_`;
      expect(key.startsWith(prefix)).toBe(true);
      const secret = key.slice(prefix.length);
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(stored).not.toContain(secret);
      expect(row.secret_hash).toHaveLength(32);
    });
  });

  describe('OIDC bearer tokens', () => {
    const roles = (list: string[]) => ({ realm_access: { roles: list } });

    it('accepts a token signed by the JWKS key with the right issuer and audience, roles from the configured claim', async () => {
      const token = await idp.sign(roles(['admin']));
      await request(t.server).get(PROTECTED).set('Authorization', `Bearer ${token}`).expect(200);
      expect(idp.requests()).toBeGreaterThan(0);
    });

    it('maps a token without an accepted role to 403, not 401', async () => {
      const token = await idp.sign(roles(['superuser', 'viewer']));
      const res = await request(t.server).get(PROTECTED).set('Authorization', `Bearer ${token}`).expect(403);
      expect(res.body.message).toMatch(/requires role admin/);
    });

    it('rejects an expired token', async () => {
      const token = await idp.sign(roles(['admin']), { expiresIn: Math.floor(Date.now() / 1000) - 120 });
      await expect401({ Authorization: `Bearer ${token}` }, /expired/);
    });

    it('rejects a token for another audience', async () => {
      const token = await idp.sign({ ...roles(['admin']), aud: 'some-other-api' });
      await expect401({ Authorization: `Bearer ${token}` }, /aud claim/);
    });

    it('rejects a token from another issuer', async () => {
      const token = await idp.sign({ ...roles(['admin']), iss: 'https://evil.example/' });
      await expect401({ Authorization: `Bearer ${token}` }, /iss claim/);
    });

    it('rejects a token signed by a key the JWKS does not hold under the same kid (bad signature)', async () => {
      const token = await idp.sign(roles(['admin']), { key: idp.strangerKey });
      await expect401({ Authorization: `Bearer ${token}` }, /signature/);
    });

    it('rejects a token whose payload was altered after signing', async () => {
      const token = await idp.sign(roles(['viewer']));
      const [header, , signature] = token.split('.');
      const forged = Buffer.from(
        JSON.stringify({
          sub: 'user-123',
          iss: ISSUER,
          aud: AUDIENCE,
          exp: 9_999_999_999,
          realm_access: { roles: ['admin'] },
        }),
      ).toString('base64url');
      await expect401({ Authorization: `Bearer ${header}.${forged}.${signature}` }, /signature/);
    });

    it('rejects a token with an unknown kid', async () => {
      const token = await idp.sign(roles(['admin']), { key: idp.strangerKey, kid: 'unknown-kid' });
      await expect401({ Authorization: `Bearer ${token}` }, /unknown key/);
    });

    it('rejects unsigned (alg none) and HMAC tokens', async () => {
      const none = [
        Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
        Buffer.from(
          JSON.stringify({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999, ...roles(['admin']) }),
        ).toString('base64url'),
        '',
      ].join('.');
      await expect401({ Authorization: `Bearer ${none}` }, /token/);
      const hmac = await new SignJWT({ ...roles(['admin']) })
        .setProtectedHeader({ alg: 'HS256', kid: 'test-key-1' })
        .setSubject('x')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('a-shared-secret-an-attacker-picked'));
      await expect401({ Authorization: `Bearer ${hmac}` }, /token/);
    });

    it('rejects garbage in place of a token', async () => {
      await expect401({ Authorization: 'Bearer abc.def.ghi' }, /token/);
      await expect401({ Authorization: 'Bearer x' }, /token/);
    });
  });
});

describe('authentication without OIDC configured', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses bearer JWTs with a clear reason and still accepts API keys', async () => {
    const res = await request(t.server)
      .get(PROTECTED)
      .set('Authorization', 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln')
      .expect(401);
    expect(res.body.message).toMatch(/OIDC is not configured/);
    const { key } = await t.key(['admin']);
    await request(t.server).get(PROTECTED).set('X-API-Key', key).expect(200);
  });
});
