import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startApiApp, type ApiTestApp } from './support/api-app';

const CLI = join(__dirname, '..', '..', '..', 'backend', 'dist', 'cli', 'create-admin-key.js');
const run = promisify(execFile);

describe('bootstrap CLI: node backend/dist/cli/create-admin-key.js', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('backend is not built: run `npm run build` (npm test does)');
    t = await startApiApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: t.postgresUrl, RUN_MIGRATIONS: 'false' },
    });

  it('prints only a working admin key on stdout and audits its creation', async () => {
    const { stdout, stderr } = await cli(['--name', 'first-admin']);
    const key = stdout.trim();
    expect(key).toMatch(/^dwk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(stderr).toMatch(/created API key [0-9a-f]{12} "first-admin" with roles admin/);
    expect(stderr).not.toContain(key);
    const listed = await request(t.server).get('/api/v1/api-keys').set('X-API-Key', key).expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ name: 'first-admin', roles: ['admin'], status: 'active' }),
    ]);
    const audit = await t.sql<{ actor: string; action: string }>('SELECT actor, action FROM audit_log');
    expect(audit).toEqual([{ actor: expect.stringMatching(/^cli:create-admin-key/), action: 'api-key.create' }]);
  });

  it('refuses an unknown role with a usage message and exit code 1', async () => {
    await expect(cli(['--roles', 'root'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/unknown role\(s\): root/),
    });
  });
});
