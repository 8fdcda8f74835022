import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { register } from 'prom-client';
import { createApp } from '../../backend/src/app.factory';
import { ConfigService } from '../../backend/src/config/config.service';
import { runSchemaMigrations } from '../../backend/src/database/schema-migrations';
import {
  clickhouseUrl,
  dropClickHouseDatabase,
  isolatedPostgres,
  redisUrl,
  testDatabaseName,
  uniqueName,
} from './support/test-services';

describe('application boot, health, metrics and OpenAPI against real services', () => {
  let app: INestApplication;
  let postgres: Awaited<ReturnType<typeof isolatedPostgres>>;
  const clickhouseDatabase = testDatabaseName();
  const saved = { ...process.env };

  beforeAll(async () => {
    postgres = await isolatedPostgres();
    Object.assign(process.env, {
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: clickhouseDatabase,
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: uniqueName('dwq'),
      LOG_LEVEL: 'silent',
    });
    await runSchemaMigrations(new ConfigService());
    register.clear();
    app = await createApp('all');
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await dropClickHouseDatabase(clickhouseDatabase);
    await postgres?.drop();
    process.env = saved;
  });

  it('answers liveness', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200, { status: 'ok' });
  });

  it('reports readiness of ClickHouse, Postgres and Redis', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.map((c: { name: string; up: boolean }) => [c.name, c.up])).toEqual([
      ['clickhouse', true],
      ['postgres', true],
      ['redis', true],
    ]);
  });

  it('echoes a safe request id and generates one otherwise', async () => {
    const given = await request(app.getHttpServer()).get('/health/live').set('x-request-id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await request(app.getHttpServer()).get('/health/live').set('x-request-id', 'bad id; with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes Prometheus metrics', async () => {
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.text).toMatch(/process_cpu_user_seconds_total/);
  });

  it('serves the OpenAPI document', async () => {
    const res = await request(app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(res.body.info.title).toBe('Driftwatch API');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });

  it('recorded the Postgres migrations', async () => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
    await client.end();
    expect(rows.map((r) => r.name)).toContain('AuditLog0000000000001');
  });
});

describe('readiness when a store is down', () => {
  let app: INestApplication;
  let postgres: Awaited<ReturnType<typeof isolatedPostgres>>;
  const clickhouseDatabase = testDatabaseName();
  const saved = { ...process.env };

  beforeAll(async () => {
    postgres = await isolatedPostgres();
    Object.assign(process.env, {
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: clickhouseDatabase,
      REDIS_URL: 'redis://127.0.0.1:1',
      LOG_LEVEL: 'silent',
    });
    await runSchemaMigrations(new ConfigService());
    register.clear();
    app = await createApp('api');
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await dropClickHouseDatabase(clickhouseDatabase);
    await postgres?.drop();
    process.env = saved;
  });

  it('answers 503 and names Redis', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    const redis = res.body.checks.find((c: { name: string }) => c.name === 'redis');
    expect(redis.up).toBe(false);
    expect(res.body.checks.find((c: { name: string }) => c.name === 'postgres').up).toBe(true);
  });
});
