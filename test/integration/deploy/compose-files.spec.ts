import Ajv, { type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  COMPOSE_FILES,
  dependsOn,
  environmentOf,
  envFilesOf,
  INFRA,
  isBackendService,
  loadCompose,
  ROOT,
  type ComposeFile,
} from './support/deploy-manifests';

const STORES = ['postgres', 'redis'];

function composeValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(__dirname, 'schemas', 'compose-spec.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  // The vendored schema names the https form of the draft-07 meta-schema; ajv registers it as http.
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile({ ...schema, $schema: 'http://json-schema.org/draft-07/schema#' });
}

const errorsOf = (validate: ValidateFunction) =>
  (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);

const healthUrl = (test: string | string[] | undefined): string | undefined =>
  (Array.isArray(test) ? test.join(' ') : (test ?? '')).match(/http:\/\/127\.0\.0\.1:(\d+)(\/[\w/-]*)/)?.[0];

describe('Docker Compose files', () => {
  const validate = composeValidator();
  const files = Object.values(COMPOSE_FILES).map((path) => [path.replace(`${ROOT}/`, ''), loadCompose(path)] as const);

  it.each(files)('%s is valid against the Compose Specification schema', (_, compose) => {
    expect(validate(compose.document) ? [] : errorsOf(validate)).toEqual([]);
  });

  it('the schema check rejects a broken file (so it can fail)', () => {
    const broken = parseYaml(readFileSync(COMPOSE_FILES.compose, 'utf8'), { merge: true }) as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services.api.healthcheck = { test: ['CMD', 'true'], interval: 15 };
    broken.services.worker.restart_policy = 'always';
    expect(validate(broken)).toBe(false);
    expect(errorsOf(validate)).toEqual(
      expect.arrayContaining([
        '/services/api/healthcheck/interval must be string',
        '/services/worker must NOT have additional properties',
      ]),
    );
  });

  it.each(files)(
    '%s: backend processes are wired to the health endpoints and wait for healthy stores',
    (_, compose) => {
      const backends = Object.entries(compose.services).filter(([, s]) => isBackendService(s));
      expect(backends.map(([name]) => name).sort()).toEqual(['api', 'scheduler', 'worker']);
      for (const [name, service] of backends) {
        const port = environmentOf(service).PORT;
        expect({ name, url: healthUrl(service.healthcheck?.test) }).toEqual({
          name,
          url: `http://127.0.0.1:${port}/health/ready`,
        });
        const deps = dependsOn(service);
        const stores = Object.keys(compose.services).filter(
          (s) => STORES.includes(s) || /^clickhouse(-s\d+r\d+)?$/.test(s),
        );
        expect(stores.length).toBeGreaterThanOrEqual(3);
        for (const store of stores) {
          expect({ name, store, condition: deps[store] }).toEqual({ name, store, condition: 'service_healthy' });
        }
      }
    },
  );

  it.each(files)(
    '%s: every dependency exists and has a healthcheck; every file it mounts or reads exists',
    (_, compose) => {
      for (const [name, service] of Object.entries(compose.services)) {
        for (const [dependency, condition] of Object.entries(dependsOn(service))) {
          expect({ name, dependency, exists: dependency in compose.services }).toEqual({
            name,
            dependency,
            exists: true,
          });
          if (condition === 'service_healthy') expect(compose.services[dependency].healthcheck?.test).toBeDefined();
        }
        expect(service.healthcheck?.test).toBeDefined();
        for (const volume of service.volumes ?? []) {
          const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
          if (source?.startsWith('.')) expect(existsSync(resolve(dirname(compose.path), source))).toBe(true);
        }
        // Secret files are git-ignored; their .example (what init.sh fills in) must exist.
        for (const file of envFilesOf(compose, service)) expect(existsSync(`${file}.example`)).toBe(true);
        if (service.build) {
          const context = resolve(dirname(compose.path), service.build.context ?? '.');
          expect(existsSync(join(context, service.build.dockerfile ?? 'Dockerfile'))).toBe(true);
        }
      }
    },
  );

  it('single node: ClickHouse, Postgres, Redis, api, worker, scheduler and the dashboard', () => {
    const compose = loadCompose(COMPOSE_FILES.compose);
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'clickhouse', 'dashboard', 'postgres', 'redis', 'scheduler', 'worker'].sort(),
    );
    expect(environmentOf(compose.services.api).CLICKHOUSE_URL).toBe('http://clickhouse:8123');
    expect(dependsOn(compose.services.dashboard)).toEqual({ api: 'service_healthy' });
  });

  it('cluster: 2 shards × 2 replicas behind a keeper, as cluster.xml declares; two workers', () => {
    const compose: ComposeFile = loadCompose(COMPOSE_FILES['cluster compose']);
    const xml = readFileSync(join(INFRA, 'docker', 'clickhouse', 'cluster.xml'), 'utf8');
    const shards = [...xml.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((m) =>
      [...m[1].matchAll(/<host>([^<]+)<\/host>/g)].map((h) => h[1]),
    );
    expect(shards).toEqual([
      ['clickhouse-s1r1', 'clickhouse-s1r2'],
      ['clickhouse-s2r1', 'clickhouse-s2r2'],
    ]);
    // Each server's macros (from its environment) name the shard and replica cluster.xml puts it in.
    shards.forEach((hosts, index) => {
      for (const host of hosts) {
        const env = environmentOf(compose.services[host]);
        expect({ host, shard: env.CLICKHOUSE_SHARD, replica: env.CLICKHOUSE_REPLICA }).toEqual({
          host,
          shard: String(index + 1),
          replica: host,
        });
        expect(compose.services[host].volumes).toContain(
          './docker/clickhouse/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro',
        );
        expect(dependsOn(compose.services[host])).toEqual({ 'clickhouse-keeper': 'service_healthy' });
      }
    });
    const keeperHost = /<zookeeper>[\s\S]*?<host>([^<]+)<\/host>[\s\S]*?<port>(\d+)<\/port>/.exec(xml);
    expect(keeperHost?.slice(1)).toEqual(['clickhouse-keeper', '9181']);
    expect(readFileSync(join(INFRA, 'docker', 'clickhouse', 'keeper.xml'), 'utf8')).toMatch(
      /<tcp_port>9181<\/tcp_port>/,
    );
    // Driftwatch: the cluster name of remote_servers and one URL per shard, in its order.
    const env = environmentOf(compose.services.api);
    expect(xml).toContain(`<${env.CLICKHOUSE_CLUSTER}>`);
    expect(env.CLICKHOUSE_SHARD_URLS.split(',').map((u) => new URL(u).hostname)).toEqual(shards.map((s) => s[0]));
    expect(new URL(env.CLICKHOUSE_URL).hostname in compose.services).toBe(true);
    expect(compose.services.worker.deploy?.replicas).toBe(2);
    expect(compose.services.scheduler.deploy?.replicas ?? 1).toBe(1);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(INFRA, 'docker', 'Dockerfile'), 'utf8');

  it('builds the backend and dashboard targets the Compose files use', () => {
    const targets = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(targets).toEqual(expect.arrayContaining(['build', 'backend', 'dashboard']));
    for (const path of Object.values(COMPOSE_FILES)) {
      for (const service of Object.values(loadCompose(path).services)) {
        if (service.build?.target) expect(targets).toContain(service.build.target);
      }
    }
  });

  it('copies only files that exist, and runs the entry point the backend package declares', () => {
    for (const match of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      const sources = match[1].trim().split(/\s+/).slice(0, -1);
      for (const source of sources)
        expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
    }
    const main = (JSON.parse(readFileSync(join(ROOT, 'backend', 'package.json'), 'utf8')) as { main: string }).main;
    expect(dockerfile).toContain(`CMD ["node", "backend/${main}"]`);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('the dashboard image proxies the API to the service Compose calls api, on the port it listens on', () => {
    const nginx = readFileSync(join(INFRA, 'docker', 'dashboard.nginx.conf'), 'utf8');
    const upstreams = [...nginx.matchAll(/proxy_pass http:\/\/([\w-]+):(\d+);/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstreams.length).toBeGreaterThan(0);
    for (const path of Object.values(COMPOSE_FILES)) {
      const compose = loadCompose(path);
      for (const upstream of upstreams) {
        const [host, port] = upstream.split(':');
        expect(environmentOf(compose.services[host]).PORT).toBe(port);
      }
      expect(compose.services.dashboard.ports).toEqual(['8080:8080']);
    }
    expect(nginx).toMatch(/location \/api\/ \{[\s\S]*?proxy_buffering off;/);
  });
});
