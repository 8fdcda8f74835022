import { z } from 'zod';
import { Secret } from './config/secret';
import { ConnectorConfigError } from './connector.errors';
import type { ConnectorConfig } from './config/connectors-config';
import type { ConnectorDeps } from './connector-factory';
import type { ConnectorMetrics } from './connector-metrics';
import type { HttpClientOptions } from './http/http-client';

export const secretSetting = z.custom<Secret>((v) => v instanceof Secret, {
  message: 'must be a reference like ${env:NAME}, not an inline value',
});

/** Validates a connector's kind-specific `settings` with a readable error naming the connector. */
export function parseSettings<T extends z.ZodType>(config: ConnectorConfig, schema: T): z.infer<T> {
  const result = schema.safeParse(config.settings);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `settings.${i.path.join('.')}: ${i.message}`);
  throw new ConnectorConfigError(`connector ${config.id} (${config.kind}): ${problems.join('; ')}`);
}

export function requireBaseUrl(config: ConnectorConfig): string {
  if (!config.baseUrl) throw new ConnectorConfigError(`connector ${config.id} (${config.kind}): baseUrl is required`);
  return config.baseUrl;
}

/** The HttpClient options every HTTP connector takes from its config; each adds its own auth. */
export function connectorHttpOptions(
  config: ConnectorConfig,
  deps: ConnectorDeps,
  metrics: ConnectorMetrics,
): Omit<HttpClientOptions, 'auth'> {
  return {
    connectorId: config.id,
    baseUrl: requireBaseUrl(config),
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    rateLimit: config.rateLimit,
    breaker: config.breaker,
    metrics,
    fetch: deps.fetch,
  };
}
