import type { NestExpressApplication } from '@nestjs/platform-express';
import { register } from 'prom-client';
import request from 'supertest';
import { createApp } from '../../../backend/src/app.factory';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { uniqueName } from '../support/test-services';

describe('rate limits are shared through Redis by every API process', () => {
  let t: ApiTestApp;
  let second: NestExpressApplication;

  beforeAll(async () => {
    t = await startApiApp({ RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_REDIS_PREFIX: `${uniqueName('dw_test_rl')}:` });
    // A second process of the same installation: same databases, same Redis, same prefix
    // (startApiApp leaves its configuration in the environment until close).
    register.clear();
    second = await createApp('api');
    await second.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  it('counts one key’s requests across two app instances and answers 429 on either once the budget is spent', async () => {
    const key = (await t.key(['viewer'])).key;
    const other = (await t.key(['viewer'])).key;
    const apps = [t.server, second.getHttpServer()];
    for (let i = 0; i < 6; i += 1) {
      await request(apps[i % 2])
        .get('/api/v1/connectors')
        .set('X-API-Key', key)
        .expect(200);
    }
    // In-memory counters would allow 6 per process (12 in all); shared counters refuse the 7th anywhere.
    for (const app of apps) {
      const res = await request(app).get('/api/v1/connectors').set('X-API-Key', key).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    await request(second.getHttpServer()).get('/api/v1/connectors').set('X-API-Key', other).expect(200);
  });
});
