/** Reads the deployment files (Compose, kustomize, docs table, secret examples) the deploy tests check. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const ROOT = resolve(__dirname, '..', '..', '..', '..');
export const INFRA = join(ROOT, 'infra');

type Dict = Record<string, unknown>;
const isDict = (value: unknown): value is Dict => typeof value === 'object' && value !== null && !Array.isArray(value);

export function readYaml(path: string): unknown {
  // Compose files share settings through YAML anchors and `<<` merge keys, which Compose resolves too.
  return parseYaml(readFileSync(path, 'utf8'), { merge: true });
}

// ---------- Docker Compose ----------
export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | (string | { path: string })[];
  healthcheck?: { test?: string | string[]; interval?: string };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: string[];
  deploy?: { replicas?: number };
}
export interface ComposeFile {
  path: string;
  document: Dict;
  services: Record<string, ComposeService>;
}

/** The Compose files and the docs/deployment.md column that describes each. */
export const COMPOSE_FILES = {
  compose: join(INFRA, 'docker-compose.yml'),
  'cluster compose': join(INFRA, 'docker-compose.cluster.yml'),
} as const;

export function loadCompose(path: string): ComposeFile {
  const document = readYaml(path);
  if (!isDict(document) || !isDict(document.services)) throw new Error(`${path}: no services`);
  return { path, document, services: document.services as Record<string, ComposeService> };
}

/** A service running the Driftwatch backend image (any role). */
export const isBackendService = (service: ComposeService): boolean =>
  service.build?.target === 'backend' || /driftwatch\/backend/.test(service.image ?? '');

export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export function envFilesOf(compose: ComposeFile, service: ComposeService): string[] {
  const files =
    service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
  return files.map((f) => resolve(dirname(compose.path), typeof f === 'string' ? f : f.path));
}

export function dependsOn(service: ComposeService): Record<string, string | undefined> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition]));
}

export function parseEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) throw new Error(`${path}: not KEY=VALUE: ${trimmed}`);
    env[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return env;
}

/**
 * Runs the real `infra/secrets/init.sh` on a copy of the secret examples and returns what it wrote
 * (file name → variables), as an operator would get it.
 */
export function generatedSecrets(): Record<string, Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-secrets-'));
  try {
    const source = join(INFRA, 'secrets');
    for (const file of readdirSync(source)) {
      if (file.endsWith('.example') || file === 'init.sh') copyFileSync(join(source, file), join(dir, file));
    }
    execFileSync('bash', [join(dir, 'init.sh')], { stdio: 'pipe' });
    return Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.env'))
        .map((f) => [f, parseEnvFile(join(dir, f))]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `${env:NAME}` references of a connectors file: the variables the connector config loader reads. */
export function connectorEnvReferences(path: string): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(match[1]);
    } else if (Array.isArray(node)) node.forEach(walk);
    else if (isDict(node)) Object.values(node).forEach(walk);
  };
  walk(readYaml(path));
  return [...names].sort();
}

// ---------- Kubernetes (kustomize) ----------
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}
export interface Kustomization {
  resources?: string[];
  patches?: { path: string }[];
  configMapGenerator?: { name: string; files?: string[] }[];
  images?: { name: string; newTag?: string; newName?: string }[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean }[];
}
export interface RenderedKustomization {
  dir: string;
  kustomization: Kustomization;
  objects: K8sObject[];
}

function deepMerge(base: unknown, patch: unknown, where: string): unknown {
  if (Array.isArray(patch)) {
    // Strategic merge of lists (by `name`) is kustomize's job; our overlays patch maps only.
    throw new Error(`${where}: list patches are not supported by this check; patch maps only`);
  }
  if (!isDict(base) || !isDict(patch)) return patch;
  const out: Dict = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(base[key], value, `${where}.${key}`);
  return out;
}

/**
 * The subset of `kustomize build` our manifests use: resources (files and bases), strategic-merge
 * patches of maps, configMapGenerator from files, images and labels. Anything else throws, so a
 * manifest using more than this is noticed here rather than half-checked.
 */
export function renderKustomization(dir: string): RenderedKustomization {
  const kustomization = readYaml(join(dir, 'kustomization.yaml')) as Kustomization & Dict;
  const known = ['apiVersion', 'kind', 'resources', 'patches', 'configMapGenerator', 'images', 'labels'];
  const unknown = Object.keys(kustomization).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: unsupported fields ${unknown.join(', ')}`);
  let objects: K8sObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (!existsSync(path)) throw new Error(`${dir}/kustomization.yaml: resource ${resource} does not exist`);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path).objects);
    else objects.push(readYaml(path) as K8sObject);
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    const data = Object.fromEntries(
      (generator.files ?? []).map((file) => [file.split('/').pop()!, readFileSync(join(dir, file), 'utf8')]),
    );
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
  }
  for (const { path } of kustomization.patches ?? []) {
    const patch = readYaml(join(dir, path)) as K8sObject;
    const index = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
    if (index < 0)
      throw new Error(`${dir}/${path}: patches ${patch.kind}/${patch.metadata.name}, which no resource is`);
    objects[index] = deepMerge(objects[index], patch, `${path}`) as K8sObject;
  }
  for (const image of kustomization.images ?? []) {
    objects = objects.map(
      (o) =>
        JSON.parse(JSON.stringify(o), (key, value: unknown) =>
          key === 'image' && value === image.name
            ? `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`
            : value,
        ) as K8sObject,
    );
  }
  for (const { pairs } of kustomization.labels ?? []) {
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...pairs };
  }
  return { dir, kustomization, objects };
}

export const K8S_BASE = join(INFRA, 'k8s', 'base');
export const K8S_OVERLAYS = readdirSync(join(INFRA, 'k8s', 'overlays')).map((d) => join(INFRA, 'k8s', 'overlays', d));

export interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
  timeoutSeconds?: number;
}
export interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: { containers: Container[]; volumes?: { name: string; configMap?: { name: string } }[] };
  };
}

export const deploymentsOf = (objects: K8sObject[]) =>
  objects
    .filter((o) => o.kind === 'Deployment')
    .map((o) => ({ name: o.metadata.name, spec: o.spec as DeploymentSpec }));

/** How a Deployment's container gets each variable: plain value (own env or ConfigMap) or a Secret key. */
export function containerEnvironment(
  objects: K8sObject[],
  container: Container,
): { values: Record<string, string>; secrets: Record<string, { secret: string; key: string }> } {
  const values: Record<string, string> = {};
  const secrets: Record<string, { secret: string; key: string }> = {};
  for (const source of container.envFrom ?? []) {
    if (source.secretRef)
      throw new Error(`envFrom secretRef ${source.secretRef.name}: reference secret keys one by one`);
    const name = source.configMapRef?.name;
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (!map) throw new Error(`envFrom names ConfigMap ${name}, which is not in the manifests`);
    Object.assign(values, (map as { data?: Record<string, string> }).data ?? {});
  }
  for (const entry of container.env ?? []) {
    if (entry.valueFrom?.secretKeyRef) {
      secrets[entry.name] = { secret: entry.valueFrom.secretKeyRef.name, key: entry.valueFrom.secretKeyRef.key };
      delete values[entry.name];
    } else if (entry.value !== undefined) {
      values[entry.name] = entry.value;
    } else {
      throw new Error(`env ${entry.name}: neither a value nor a secretKeyRef`);
    }
  }
  return { values, secrets };
}

// ---------- docs/deployment.md ----------
export const DEPLOYMENT_DOC = join(ROOT, 'docs', 'deployment.md');
export const DEPLOY_COLUMNS = ['compose', 'cluster compose', 'kubernetes'] as const;
export type DeployColumn = (typeof DEPLOY_COLUMNS)[number];
export type Provision = 'set' | 'secret' | 'default';

export interface EnvTableRow {
  variable: string;
  default: string | undefined;
  provision: Record<DeployColumn, Provision>;
}

/** The configuration table between `<!-- env-table:start -->` and `<!-- env-table:end -->`. */
export function readEnvTable(path = DEPLOYMENT_DOC): EnvTableRow[] {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('<!-- env-table:start -->');
  const end = text.indexOf('<!-- env-table:end -->');
  if (start < 0 || end < start) throw new Error(`${path}: no env-table markers`);
  const lines = text
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('|'));
  const cells = (line: string) =>
    line
      .slice(1, line.lastIndexOf('|'))
      .split('|')
      .map((c) => c.trim());
  const header = cells(lines[0]);
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`${path}: env table has no column "${name}"`);
    return index;
  };
  return lines.slice(2).map((line) => {
    const row = cells(line);
    const unquote = (cell: string) => /^`(.*)`$/.exec(cell)?.[1];
    const variable = unquote(row[column('variable')]);
    if (!variable) throw new Error(`${path}: a row without a \`VARIABLE\`: ${line}`);
    const defaultCell = row[column('default')];
    const provision = Object.fromEntries(
      DEPLOY_COLUMNS.map((c) => {
        const value = row[column(c)];
        if (value !== 'set' && value !== 'secret' && value !== 'default')
          throw new Error(`${path}: ${variable} / ${c} is "${value}", not set, secret or default`);
        return [c, value];
      }),
    ) as Record<DeployColumn, Provision>;
    const quoted = unquote(defaultCell);
    if (defaultCell !== 'unset' && quoted === undefined)
      throw new Error(`${path}: default of ${variable} must be \`value\` or unset`);
    return { variable, default: defaultCell === 'unset' ? undefined : quoted === '""' ? '' : quoted, provision };
  });
}
