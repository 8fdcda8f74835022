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
