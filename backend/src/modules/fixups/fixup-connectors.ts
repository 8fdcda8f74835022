import { loadConnectorsConfig, type ConnectorConfig } from '../../connectors/config/connectors-config';
import type { Connector } from '../../connectors/connector';
import { createConnector } from '../../connectors/connector-factory';

/**
 * The target connectors corrective sync writes through: every configured connector gets its own
 * `corrective-sync:<id>` queue. By default they come from DRIFTWATCH_CONNECTORS_FILE; tests and the
 * benchmark pass instances of their own.
 */
export interface FixupTargets {
  ids(): string[];
  get(connectorId: string): Connector;
  close(): Promise<void>;
}

export const FIXUP_TARGETS = Symbol('FIXUP_TARGETS');

export class UnknownTargetError extends Error {
  constructor(connectorId: string, detail: string) {
    super(`no target connector ${JSON.stringify(connectorId)}: ${detail}`);
    this.name = 'UnknownTargetError';
  }
}

export class StaticFixupTargets implements FixupTargets {
  private readonly byId: Map<string, Connector>;

  constructor(connectors: readonly Connector[]) {
    this.byId = new Map(connectors.map((c) => [c.id, c]));
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  get(connectorId: string): Connector {
    const connector = this.byId.get(connectorId);
    if (!connector) throw new UnknownTargetError(connectorId, 'not among the configured targets');
    return connector;
  }

  async close(): Promise<void> {
    for (const connector of this.byId.values()) await connector.close?.();
  }
}

/** Connectors from the connectors file, built on first use and kept (they hold pools and tokens). */
export class ConfiguredFixupTargets implements FixupTargets {
  private configs: Map<string, ConnectorConfig> | undefined;
  private readonly built = new Map<string, Connector>();

  constructor(
    private readonly file: string | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  private load(): Map<string, ConnectorConfig> {
    if (!this.file) return new Map();
    this.configs ??= new Map(loadConnectorsConfig(this.file, this.env).map((c) => [c.id, c]));
    return this.configs;
  }

  ids(): string[] {
    return [...this.load().keys()];
  }

  get(connectorId: string): Connector {
    const existing = this.built.get(connectorId);
    if (existing) return existing;
    if (!this.file) throw new UnknownTargetError(connectorId, 'DRIFTWATCH_CONNECTORS_FILE is not set');
    const config = this.load().get(connectorId);
    if (!config) throw new UnknownTargetError(connectorId, `it is not in ${this.file}`);
    const connector = createConnector(config);
    this.built.set(connectorId, connector);
    return connector;
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    for (const connector of this.built.values()) await connector.close?.();
    this.built.clear();
  }
}
