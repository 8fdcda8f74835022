import { Counter, Histogram, register, type Registry } from 'prom-client';

/**
 * Connector metrics on prom-client's default registry (what `/metrics` serves). Registration is
 * guarded because the registry is process-global and several connectors (or test apps) share it.
 */
export class ConnectorMetrics {
  readonly requests: Counter<'connector' | 'method' | 'status'>;
  readonly errors: Counter<'connector' | 'kind'>;
  readonly latency: Histogram<'connector' | 'method'>;
  readonly rows: Counter<'connector' | 'entity' | 'outcome'>;

  constructor(registry: Registry = register) {
    this.requests = once(registry, 'driftwatch_connector_requests_total', () => {
      return new Counter({
        name: 'driftwatch_connector_requests_total',
        help: 'Requests connectors sent to source systems, by answer status (or "network").',
        labelNames: ['connector', 'method', 'status'] as const,
        registers: [registry],
      });
    });
    this.errors = once(registry, 'driftwatch_connector_errors_total', () => {
      return new Counter({
        name: 'driftwatch_connector_errors_total',
        help: 'Connector failures by kind: timeout, network, http_5xx, http_429, circuit_open, auth.',
        labelNames: ['connector', 'kind'] as const,
        registers: [registry],
      });
    });
    this.latency = once(registry, 'driftwatch_connector_request_duration_seconds', () => {
      return new Histogram({
        name: 'driftwatch_connector_request_duration_seconds',
        help: 'Latency of single requests to source systems.',
        labelNames: ['connector', 'method'] as const,
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      });
    });
    this.rows = once(registry, 'driftwatch_connector_rows_total', () => {
      return new Counter({
        name: 'driftwatch_connector_rows_total',
        help: 'Rows extracted by connectors: mapped records and rejects.',
        labelNames: ['connector', 'entity', 'outcome'] as const,
        registers: [registry],
      });
    });
  }
}

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

let shared: ConnectorMetrics | undefined;
/** The metrics on the default registry, created on first use. */
export function connectorMetrics(): ConnectorMetrics {
  shared ??= new ConnectorMetrics();
  // The default registry may have been cleared (tests, second app in a process): re-register then.
  if (!register.getSingleMetric('driftwatch_connector_requests_total')) shared = new ConnectorMetrics();
  return shared;
}
