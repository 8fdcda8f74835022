import { loadConnectorsConfig, type ConnectorConfig } from '../../connectors/config/connectors-config';
import { createConnector } from '../../connectors/connector-factory';
import type { Connector } from '../../connectors/connector';

/**
 * How the snapshot pipeline finds a connector instance by id. The connectors package owns the
 * instances; the snapshots module only needs this lookup, provided by whoever builds the module.
 */
export interface ConnectorResolver {
  get(connectorId: string): Connector | Promise<Connector>;
}

export const CONNECTOR_RESOLVER = Symbol('CONNECTOR_RESOLVER');

export class UnknownConnectorError extends Error {
  constructor(connectorId: string, detail = 'no such connector is configured') {
    super(`unknown connector ${JSON.stringify(connectorId)}: ${detail}`);
    this.name = 'UnknownConnectorError';
  }
}

/** A resolver over a fixed set of connector instances (CLI, benchmark, tests against real connectors). */
export class StaticConnectorResolver implements ConnectorResolver {
  private readonly byId: Map<string, Connector>;

  constructor(connectors: readonly Connector[]) {
    this.byId = new Map(connectors.map((c) => [c.id, c]));
  }

  get(connectorId: string): Connector {
    const connector = this.byId.get(connectorId);
    if (!connector) throw new UnknownConnectorError(connectorId);
    return connector;
  }
}

/**
 * Connectors from `DRIFTWATCH_CONNECTORS_FILE`, built on first use and kept (they hold connection
 * pools and tokens). Without the file no connector is known and requests fail with a clear error.
 */
export class ConfiguredConnectorResolver implements ConnectorResolver {
  private configs: Map<string, ConnectorConfig> | undefined;
  private readonly built = new Map<string, Connector>();

  constructor(
    private readonly file: string | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  get(connectorId: string): Connector {
    const existing = this.built.get(connectorId);
    if (existing) return existing;
    if (!this.file) throw new UnknownConnectorError(connectorId, 'DRIFTWATCH_CONNECTORS_FILE is not set');
    this.configs ??= new Map(loadConnectorsConfig(this.file, this.env).map((c) => [c.id, c]));
    const config = this.configs.get(connectorId);
    if (!config) throw new UnknownConnectorError(connectorId, `it is not in ${this.file}`);
    const connector = createConnector(config);
    this.built.set(connectorId, connector);
    return connector;
  }

  /** Nest calls this on shutdown (the resolver is a provider). */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    for (const connector of this.built.values()) await connector.close?.();
    this.built.clear();
  }
}
