import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  containerEnvironment,
  deploymentsOf,
  K8S_BASE,
  K8S_OVERLAYS,
  readYaml,
  renderKustomization,
  type K8sObject,
  type Kustomization,
} from './support/deploy-manifests';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The kubernetes-models class (OpenAPI schema of the Kubernetes API, ajv-compiled) for an object's kind. */
function modelOf(object: K8sObject): ModelClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(`kubernetes-models/${object.apiVersion}/${object.kind}`) as Record<string, ModelClass>;
  const model = module[object.kind];
  if (!model) throw new Error(`no kubernetes-models class for ${object.apiVersion} ${object.kind}`);
  return model;
}

function validationErrors(object: K8sObject): string | null {
  try {
    new (modelOf(object))(object).validate();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const rendered = [K8S_BASE, ...K8S_OVERLAYS].map(
  (dir) => [dir.replace(/^.*\/infra\//, 'infra/'), renderKustomization(dir)] as const,
);
const base = renderKustomization(K8S_BASE);

describe('Kubernetes manifests (kustomize)', () => {
  it.each(rendered)('%s: every object is valid against the Kubernetes API schema', (_, { objects }) => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      expect({ object: `${object.kind}/${object.metadata.name}`, errors: validationErrors(object) }).toEqual({
        object: `${object.kind}/${object.metadata.name}`,
        errors: null,
      });
    }
  });

  it('the schema check rejects a broken Deployment (so it can fail)', () => {
    const api = structuredClone(base.objects.find((o) => o.metadata.name === 'driftwatch-api')!);
    const spec = api.spec as { template: { spec: { containers: Record<string, unknown>[] } }; selector?: unknown };
    spec.template.spec.containers[0].livenessProbe = { httpGet: { path: '/health/live' } };
    delete spec.selector;
    expect(validationErrors(api)).toMatch(/selector/);
    expect(validationErrors(api)).toMatch(/port/);
  });

  it('base kustomization lists every manifest in its folder, and only existing ones', () => {
    const kustomization = readYaml(join(K8S_BASE, 'kustomization.yaml')) as Kustomization;
    const manifests = readdirSync(K8S_BASE).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'connectors.yaml',
    );
    expect([...(kustomization.resources ?? [])].sort()).toEqual(manifests.sort());
    expect(kustomization.configMapGenerator?.map((g) => g.files)).toEqual([['connectors.yaml']]);
  });

  it.each(rendered)('%s: api, worker and scheduler probe the health endpoints on their HTTP port', (_, { objects }) => {
    const deployments = deploymentsOf(objects);
    expect(deployments.map((d) => d.name).sort()).toEqual([
      'driftwatch-api',
      'driftwatch-scheduler',
      'driftwatch-worker',
    ]);
    for (const { name, spec } of deployments) {
      expect(spec.selector.matchLabels).toEqual(
        expect.objectContaining({ 'app.kubernetes.io/component': name.replace('driftwatch-', '') }),
      );
      for (const [key, value] of Object.entries(spec.selector.matchLabels))
        expect(spec.template.metadata.labels[key]).toBe(value);
      const [container] = spec.template.spec.containers;
      const env = containerEnvironment(objects, container);
      const http = container.ports?.find((p) => p.name === 'http');
      expect(http?.containerPort).toBe(Number(env.values.PORT));
      expect(container.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      // Readiness probes ClickHouse, Postgres and Redis with 2 s each (in parallel): allow more than that.
      expect(container.readinessProbe?.timeoutSeconds).toBeGreaterThan(2);
      expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources?.limits?.memory).toEqual(expect.any(String));
      expect(container.image).toMatch(/^driftwatch\/backend:\d+\.\d+\.\d+$/);
      // The connectors file is mounted where DRIFTWATCH_CONNECTORS_FILE points, from the generated ConfigMap.
      const mount = container.volumeMounts?.find((m) =>
        env.values.DRIFTWATCH_CONNECTORS_FILE.startsWith(`${m.mountPath}/`),
      );
      const volume = spec.template.spec.volumes?.find((v) => v.name === mount?.name);
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume?.configMap?.name) as
        { data: Record<string, string> } | undefined;
      expect(Object.keys(map?.data ?? {})).toContain(env.values.DRIFTWATCH_CONNECTORS_FILE.split('/').pop());
    }
  });

  it('the Service reaches api pods on their named port; budgets select running Deployments', () => {
    const service = base.objects.find((o) => o.kind === 'Service') as K8sObject & {
      spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    const api = deploymentsOf(base.objects).find((d) => d.name === 'driftwatch-api')!;
    expect(api.spec.template.metadata.labels).toEqual(expect.objectContaining(service.spec.selector));
    expect(api.spec.template.spec.containers[0].ports?.map((p) => p.name)).toContain(service.spec.ports[0].targetPort);
    const budgets = base.objects.filter((o) => o.kind === 'PodDisruptionBudget') as (K8sObject & {
      spec: { selector: { matchLabels: Record<string, string> } };
    })[];
    expect(budgets).toHaveLength(2);
    for (const budget of budgets) {
      const target = deploymentsOf(base.objects).find((d) =>
        Object.entries(budget.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(target?.spec.replicas).toBeGreaterThan(1);
    }
  });

  it('the cluster overlay switches ClickHouse to cluster mode and adds workers', () => {
    const overlay = renderKustomization(K8S_OVERLAYS.find((d) => d.endsWith('clickhouse-cluster'))!);
    const worker = deploymentsOf(overlay.objects).find((d) => d.name === 'driftwatch-worker')!;
    const env = containerEnvironment(overlay.objects, worker.spec.template.spec.containers[0]).values;
    expect(env.CLICKHOUSE_CLUSTER).toBe('driftwatch');
    expect(env.CLICKHOUSE_SHARD_URLS.split(',')).toHaveLength(2);
    expect(worker.spec.replicas).toBe(4);
  });
});
