import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildOpenApiDocument } from '../../../backend/src/app.factory';
import { startApiApp, type ApiTestApp } from './support/api-app';

const ROOT = join(__dirname, '..', '..', '..');
const SPEC = join(ROOT, 'backend', 'openapi.json');
const PRETTIER = require.resolve('prettier/bin/prettier.cjs');
const UPDATE = process.env.OPENAPI_UPDATE === '1';

/**
 * The committed OpenAPI spec must match what the code generates, so API changes show in review.
 * Refresh it with `npm run openapi:update` (needs `npm run services:up`).
 */
describe('committed OpenAPI spec (backend/openapi.json)', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('matches the spec generated from the running application', () => {
    // Formatted as `npm run lint` expects; prettier runs as a process (its API needs ESM loading).
    const generated = execFileSync(process.execPath, [PRETTIER, '--stdin-filepath', SPEC], {
      input: JSON.stringify(buildOpenApiDocument(t.app)),
      encoding: 'utf8',
    });
    if (UPDATE) writeFileSync(SPEC, generated);
    let committed = '';
    try {
      committed = readFileSync(SPEC, 'utf8');
    } catch {
      // Missing file: the comparison below fails with the hint.
    }
    if (committed !== generated) {
      throw new Error('backend/openapi.json is out of date: run `npm run openapi:update` and commit the result');
    }
    const spec = JSON.parse(committed) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/api-keys', '/api/v1/audit']));
    // Protected operations advertise how to authenticate.
    expect(spec.paths['/api/v1/audit'].get.security).toEqual(
      expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]),
    );
  });
});
