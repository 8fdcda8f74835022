import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConnectorsConfig } from '../../../backend/src/connectors/config/connectors-config';
import { envSchema, parseEnv, SECRET_ENV_KEYS } from '../../../backend/src/config/env.schema';
import {
  COMPOSE_FILES,
  connectorEnvReferences,
  containerEnvironment,
  DEPLOY_COLUMNS,
  deploymentsOf,
  environmentOf,
  envFilesOf,
  generatedSecrets,
  isBackendService,
  K8S_BASE,
  K8S_OVERLAYS,
  loadCompose,
  readEnvTable,
  renderKustomization,
  type DeployColumn,
  type Provision,
} from './support/deploy-manifests';

// The code's variables come from the zod schema itself (env.schema.ts is the only reader of process.env).
const CODE_VARIABLES = Object.keys(envSchema.shape).sort();
const SECRETS = new Set<string>(SECRET_ENV_KEYS);
const CONNECTORS_FILE = join(K8S_BASE, 'connectors.yaml');
// The connector config loader reads exactly these (`${env:NAME}` in the connectors file every deployment mounts).
const CONNECTOR_SECRETS = connectorEnvReferences(CONNECTORS_FILE);
const table = readEnvTable();
const secrets = generatedSecrets();
const backendSecrets = secrets['driftwatch.env'];

/** How one deployment provides each variable to one backend process. */
interface ProcessEnv {
  name: string;
  values: Record<string, string>;
  secretKeys: string[];
}

function composeProcesses(file: string): ProcessEnv[] {
  const compose = loadCompose(file);
  return Object.entries(compose.services)
    .filter(([, service]) => isBackendService(service))
    .map(([name, service]) => {
      const secretKeys = envFilesOf(compose, service).flatMap((path) => {
        expect(path).toMatch(/\/infra\/secrets\/[a-z]+\.env$/);
        const generated = secrets[path.split('/').pop()!];
        if (!generated) throw new Error(`${file} ${name}: env_file ${path} has no .example that init.sh fills in`);
        return Object.keys(generated);
      });
      return { name, values: environmentOf(service), secretKeys };
    });
}

function kubernetesProcesses(dir: string): ProcessEnv[] {
  const { objects } = renderKustomization(dir);
  return deploymentsOf(objects).flatMap(({ name, spec }) =>
    spec.template.spec.containers.map((container) => {
      const env = containerEnvironment(objects, container);
      for (const [variable, ref] of Object.entries(env.secrets)) {
        expect({ variable, ...ref }).toEqual({ variable, secret: 'driftwatch-secrets', key: variable });
      }
      return { name, values: env.values, secretKeys: Object.keys(env.secrets) };
    }),
  );
}

const DEPLOYMENTS: Record<DeployColumn, () => ProcessEnv[]> = {
  compose: () => composeProcesses(COMPOSE_FILES.compose),
  'cluster compose': () => composeProcesses(COMPOSE_FILES['cluster compose']),
  kubernetes: () => kubernetesProcesses(K8S_BASE),
};

describe('environment variables: code, docs and deployment manifests agree', () => {
  it('docs/deployment.md documents every variable the code reads, and only those', () => {
    const documented = table.map((row) => row.variable);
    expect(new Set(documented).size).toBe(documented.length);
    expect({ missingFromDocs: CODE_VARIABLES.filter((v) => !documented.includes(v)) }).toEqual({ missingFromDocs: [] });
    expect({ notReadByCode: documented.filter((v) => !CODE_VARIABLES.includes(v)) }).toEqual({ notReadByCode: [] });
  });

  it('documents the defaults the code applies', () => {
    const defaults = parseEnv({}) as Record<string, unknown>;
    for (const row of table) {
      if (row.default === undefined) {
        expect({ [row.variable]: defaults[row.variable] }).toEqual({ [row.variable]: undefined });
      } else {
        const documented = (parseEnv({ [row.variable]: row.default }) as Record<string, unknown>)[row.variable];
        expect({ [row.variable]: documented }).toEqual({ [row.variable]: defaults[row.variable] });
      }
    }
  });

  it('marks exactly the code’s secret variables as secrets in every deployment', () => {
    for (const row of table) {
      const expected: Provision[] = SECRETS.has(row.variable) ? ['secret', 'secret', 'secret'] : [];
      const secretColumns = DEPLOY_COLUMNS.map((c) => row.provision[c]).filter((p) => p === 'secret');
      expect({ [row.variable]: secretColumns }).toEqual({ [row.variable]: expected });
    }
  });

  it.each(DEPLOY_COLUMNS)(
    '%s: every backend process gets what the table says, nothing else, secrets never inline',
    (column) => {
      const processes = DEPLOYMENTS[column]();
      expect(processes.map((p) => p.name).sort()).toEqual(
        column === 'kubernetes'
          ? ['driftwatch-api', 'driftwatch-scheduler', 'driftwatch-worker']
          : ['api', 'scheduler', 'worker'],
      );
      for (const process of processes) {
        // Nothing set that the code does not read; no secret as a plain value.
        expect({ [process.name]: Object.keys(process.values).filter((v) => !CODE_VARIABLES.includes(v)) }).toEqual({
          [process.name]: [],
        });
        const inline = Object.keys(process.values).filter((v) => SECRETS.has(v) || CONNECTOR_SECRETS.includes(v));
        expect({ [process.name]: inline }).toEqual({ [process.name]: [] });
        // Secret keys: the code's secrets and the connectors file's references, all of them.
        expect({ [process.name]: [...process.secretKeys].sort() }).toEqual({
          [process.name]: [...SECRETS, ...CONNECTOR_SECRETS].sort(),
        });
        expect(process.values.DRIFTWATCH_ROLE).toBe(process.name.replace(/^driftwatch-/, ''));
      }
      for (const row of table) {
        const provided = processes.filter((p) => row.variable in p.values).map((p) => p.name);
        const asSecret = processes.filter((p) => p.secretKeys.includes(row.variable)).map((p) => p.name);
        const actual: Provision = asSecret.length > 0 ? 'secret' : provided.length > 0 ? 'set' : 'default';
        expect({ [row.variable]: actual }).toEqual({ [row.variable]: row.provision[column] });
        if (actual === 'secret') expect(asSecret).toHaveLength(processes.length);
      }
    },
  );

  it.each(DEPLOY_COLUMNS)('%s: each process configuration passes the code’s own validation', (column) => {
    for (const process of DEPLOYMENTS[column]()) {
      const env = { ...process.values, ...Object.fromEntries(process.secretKeys.map((k) => [k, backendSecrets[k]])) };
      expect(() => parseEnv(env)).not.toThrow();
    }
  });

  it.each(K8S_OVERLAYS)('kustomize overlay %s keeps secrets in the Secret and validates', (dir) => {
    for (const process of kubernetesProcesses(dir)) {
      expect(Object.keys(process.values).filter((v) => !CODE_VARIABLES.includes(v))).toEqual([]);
      expect(Object.keys(process.values).filter((v) => SECRETS.has(v))).toEqual([]);
      const env = { ...process.values, ...Object.fromEntries(process.secretKeys.map((k) => [k, backendSecrets[k]])) };
      expect(() => parseEnv(env)).not.toThrow();
    }
  });

  it('the secret files init.sh writes agree with each other and with the connectors file', () => {
    const backend = secrets['driftwatch.env'];
    expect(Object.keys(backend).sort()).toEqual([...SECRETS, ...CONNECTOR_SECRETS].sort());
    // One generated password per store, used by the store and by Driftwatch alike.
    expect(backend.CLICKHOUSE_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    expect(backend.CLICKHOUSE_PASSWORD).toBe(secrets['clickhouse.env'].CLICKHOUSE_PASSWORD);
    expect(new URL(backend.DATABASE_URL).password).toBe(secrets['postgres.env'].POSTGRES_PASSWORD);
    expect(secrets['postgres.env'].POSTGRES_PASSWORD).not.toBe(backend.CLICKHOUSE_PASSWORD);
    // The connectors file every deployment mounts loads with those variables (connector secrets filled in).
    const filled = Object.fromEntries(Object.entries(backend).map(([k, v]) => [k, v || `${k.toLowerCase()}-value`]));
    const connectors = parseConnectorsConfig(readFileSync(CONNECTORS_FILE, 'utf8'), filled, CONNECTORS_FILE);
    expect(connectors.map((c) => c.id).sort()).toEqual(['crm', 'erp', 'support', 'wms']);
  });

  it('snapshot schedules name connectors the mounted connectors file defines', () => {
    const ids = parseConnectorsConfig(
      readFileSync(CONNECTORS_FILE, 'utf8'),
      Object.fromEntries(CONNECTOR_SECRETS.map((k) => [k, 'x'])),
    ).map((c) => c.id);
    for (const column of DEPLOY_COLUMNS) {
      for (const process of DEPLOYMENTS[column]()) {
        const schedules = process.values.SNAPSHOT_SCHEDULES ?? '';
        for (const entry of schedules.split(';').filter(Boolean)) expect(ids).toContain(entry.split(':')[0]);
      }
    }
  });
});
