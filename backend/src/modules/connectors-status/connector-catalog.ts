import type { Connector } from '../../connectors/connector';
import { loadConnectorsConfig } from '../../connectors/config/connectors-config';
import { ConfiguredConnectorResolver, StaticConnectorResolver } from '../snapshots/snapshot-connectors';

/** The configured connector instances the status page reports on. */
export interface ConnectorCatalog {
  ids(): string[];
  get(id: string): Connector | Promise<Connector>;
}

export const CONNECTOR_CATALOG = Symbol('CONNECTOR_CATALOG');

/** Connectors of `DRIFTWATCH_CONNECTORS_FILE` (none without it), built on first use and kept. */
export class ConfiguredConnectorCatalog implements ConnectorCatalog {
  private readonly resolver: ConfiguredConnectorResolver;
  private configured: string[] | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    this.resolver = new ConfiguredConnectorResolver(file, env);
  }

  ids(): string[] {
    if (!this.file) return [];
    this.configured ??= loadConnectorsConfig(this.file, this.env).map((c) => c.id);
    return this.configured;
  }

  get(id: string): Connector {
    return this.resolver.get(id);
  }

  onModuleDestroy(): Promise<void> {
    return this.resolver.close();
  }
}

/** A fixed set of instances (tests, CLI). */
export class StaticConnectorCatalog implements ConnectorCatalog {
  private readonly resolver: StaticConnectorResolver;

  constructor(private readonly connectors: readonly Connector[]) {
    this.resolver = new StaticConnectorResolver(connectors);
  }

  ids(): string[] {
    return this.connectors.map((c) => c.id);
  }

  get(id: string): Connector {
    return this.resolver.get(id);
  }
}
