import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConnectorConfigError } from '../connector.errors';
import { mappingOverrideSchema } from '../mapping/entity-mapping';
import { Secret } from './secret';

/**
 * Connector instances come from a YAML file (`DRIFTWATCH_CONNECTORS_FILE`). A value written exactly as
 * `${env:NAME}` becomes a `Secret` read from the environment; secrets must be referenced that way, never
 * written inline. References inside a longer string (`http://${env:CRM_HOST}/`) are plain configuration.
 */

const secret = z.custom<Secret>((v) => v instanceof Secret, {
  message: 'must be a reference like ${env:NAME}, not an inline value',
});

/** Plain settings may also come from the environment; they are not secrets then. */
const plain = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v instanceof Secret ? v.reveal() : v), schema);

const authSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('oauth2-client-credentials'),
      tokenUrl: plain(z.string().url()),
      clientId: plain(z.string().min(1)),
      clientSecret: secret,
      scope: z.string().optional(),
    })
    .strict(),
  z.object({ type: z.literal('bearer'), token: secret }).strict(),
  z.object({ type: z.literal('basic'), username: plain(z.string().min(1)), password: secret }).strict(),
  z.object({ type: z.literal('api-key'), header: z.string().min(1), key: secret }).strict(),
]);
export type AuthConfig = z.infer<typeof authSchema>;

export const CONNECTOR_KINDS = ['salesforce', 'dynamics', 'tryton', 'wms', 'support-desk', 'sql', 'file-drop'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export const connectorConfigSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - and _'),
    kind: z.enum(CONNECTOR_KINDS),
    /** HTTP connectors: the system's base URL. */
    baseUrl: plain(z.string().url()).optional(),
    auth: authSchema.default({ type: 'none' }),
    pageSize: z.number().int().min(1).max(10_000).default(200),
    timeoutMs: z.number().int().min(100).default(30_000),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20),
        baseDelayMs: z.number().int().min(0),
        maxDelayMs: z.number().int().min(0),
        maxRetryAfterMs: z.number().int().min(0),
      })
      .partial()
      .strict()
      .optional(),
    rateLimit: z
      .object({ maxConcurrent: z.number().int().min(1), perSecond: z.number().int().min(1) })
      .partial()
      .strict()
      .optional(),
    breaker: z
      .object({ consecutiveFailures: z.number().int().min(1), halfOpenAfterMs: z.number().int().min(0) })
      .partial()
      .strict()
      .optional(),
    /** Per-installation mapping overrides, merged over the connector's defaults field by field. */
    mapping: mappingOverrideSchema.optional(),
    /** Kind-specific settings (database, query, folder, entity paths…), validated by the connector. */
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ConnectorConfig = z.infer<typeof connectorConfigSchema>;

const fileSchema = z.object({ connectors: z.array(connectorConfigSchema) }).strict();

const WHOLE_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;
const EMBEDDED_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

function resolveReferences(node: unknown, env: Record<string, string | undefined>, path: string): unknown {
  if (typeof node === 'string') {
    const whole = WHOLE_REFERENCE.exec(node);
    if (whole) {
      const value = env[whole[1]];
      if (value === undefined) throw new ConnectorConfigError(`${path}: environment variable ${whole[1]} is not set`);
      return new Secret(value, `env:${whole[1]}`);
    }
    return node.replace(EMBEDDED_REFERENCE, (_, name: string) => {
      const value = env[name];
      if (value === undefined) throw new ConnectorConfigError(`${path}: environment variable ${name} is not set`);
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => resolveReferences(item, env, `${path}[${i}]`));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, resolveReferences(value, env, path ? `${path}.${key}` : key)]),
    );
  }
  return node;
}

export function parseConnectorsConfig(
  yamlText: string,
  env: Record<string, string | undefined>,
  source = 'connectors config',
): ConnectorConfig[] {
  let document: unknown;
  try {
    document = parseYaml(yamlText);
  } catch (error) {
    throw new ConnectorConfigError(
      `${source}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const resolved = resolveReferences(document ?? { connectors: [] }, env, '');
  const result = fileSchema.safeParse(resolved);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConnectorConfigError(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const ids = new Set<string>();
  for (const connector of result.data.connectors) {
    if (ids.has(connector.id))
      throw new ConnectorConfigError(`${source}: connector id "${connector.id}" appears twice`);
    ids.add(connector.id);
  }
  return result.data.connectors;
}

export function loadConnectorsConfig(path: string, env: Record<string, string | undefined>): ConnectorConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConnectorConfigError(`cannot read connectors file ${path}: ${(error as Error).message}`);
  }
  return parseConnectorsConfig(text, env, path);
}

/** A value from settings that may be a plain string or a secret (passwords in DSNs). */
export function settingText(value: unknown): string | undefined {
  if (value instanceof Secret) return value.reveal();
  return typeof value === 'string' ? value : undefined;
}
