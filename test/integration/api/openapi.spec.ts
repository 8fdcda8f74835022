import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { buildOpenApiDocument } from '../../../backend/src/app.factory';
import { startApiApp, type ApiTestApp } from './support/api-app';
import { nestRoutes } from './support/route-inventory';

const ROOT = join(__dirname, '..', '..', '..');
const SPEC = join(ROOT, 'backend', 'openapi.json');
const PRETTIER = require.resolve('prettier/bin/prettier.cjs');
const UPDATE = process.env.OPENAPI_UPDATE === '1';
const OPENAPI_TS = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
const DASHBOARD_TYPES = join(ROOT, 'frontend', 'src', 'api', 'openapi.gen.ts');

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

  // What clients (and the dashboard's generated types) rely on; the API specs check real answers
  // against these schemas (support/response-contract.ts).
  it('describes the success answer of every API operation: a JSON schema, another media type, or 204', () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const undescribed: string[] = [];
    for (const [path, operations] of Object.entries(spec.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const successes = Object.entries(operation.responses ?? {}).filter(([status]) => status.startsWith('2'));
        const described = (status: string, content?: Record<string, unknown>) =>
          status === '204' ||
          Object.entries(content ?? {}).some(([type, media]) =>
            type === 'application/json' ? (media as { schema?: unknown }).schema !== undefined : true,
          );
        if (successes.length === 0 || !successes.every(([status, r]) => described(status, r.content))) {
          undescribed.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect(undescribed).toEqual([]);
  });

  // A field the document calls optional but the validator requires (or the other way round) breaks
  // every client typed from the document: bulk dismiss once took no reason although documented to.
  it('requires in each body and query exactly what the validation pipe requires', () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as Spec;
    const mismatches: string[] = [];
    for (const route of nestRoutes(t.app)) {
      const operation = spec.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      if (!operation) continue;
      const where = `${route.method} ${route.path}`;
      if (route.body) {
        const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref ?? '';
        const schema = spec.components.schemas[ref.split('/').pop() ?? ''];
        const documented = schema?.required ?? [];
        compare(`${where} body ${route.body.name}`, documented, validatorRequires(route.body), mismatches);
      }
      if (route.query) {
        const parameters = (operation.parameters ?? []).filter((p) => p.in === 'query');
        const documented = parameters.filter((p) => p.required).map((p) => p.name);
        compare(`${where} query ${route.query.name}`, documented, validatorRequires(route.query), mismatches);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("is what the dashboard's API types (frontend/src/api/openapi.gen.ts) are generated from", () => {
    const args = [
      OPENAPI_TS,
      SPEC,
      '--empty-objects-unknown',
      '--output',
      DASHBOARD_TYPES,
      ...(UPDATE ? [] : ['--check']),
    ];
    try {
      execFileSync(process.execPath, args, { encoding: 'utf8', stdio: 'pipe' });
    } catch {
      throw new Error(
        'frontend/src/api/openapi.gen.ts is out of date: run `npm run openapi:update` and commit the result',
      );
    }
  });
});

interface Spec {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
        parameters?: { name: string; in: string; required?: boolean }[];
      }
    >
  >;
  components: { schemas: Record<string, { required?: string[] }> };
}

/** The properties the validation pipe refuses to see missing: what an empty body or query is told. */
function validatorRequires(type: new () => object): string[] {
  return validateSync(plainToInstance(type, {})).map((error) => error.property);
}

function compare(what: string, documented: string[], validated: string[], out: string[]): void {
  const onlyDocumented = documented.filter((name) => !validated.includes(name));
  const onlyValidated = validated.filter((name) => !documented.includes(name));
  if (onlyDocumented.length > 0)
    out.push(`${what}: documented as required, optional to the validator: ${onlyDocumented.join(', ')}`);
  if (onlyValidated.length > 0)
    out.push(`${what}: required by the validator, documented as optional: ${onlyValidated.join(', ')}`);
}
