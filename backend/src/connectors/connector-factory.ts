import type { ApplyLedger } from './apply-ledger';
import type { ConnectorConfig, ConnectorKind } from './config/connectors-config';
import type { Connector } from './connector';
import type { ConnectorMetrics } from './connector-metrics';
import { DynamicsConnector } from './dynamics/dynamics.connector';
import { FileDropConnector } from './file-drop/file-drop.connector';
import { SalesforceConnector } from './salesforce/salesforce.connector';
import { SqlDatabaseConnector } from './sql/sql-database.connector';
import { SupportDeskConnector } from './support-desk/support-desk.connector';
import { TrytonConnector } from './tryton/tryton.connector';
import { WmsConnector } from './wms/wms.connector';

export interface ConnectorDeps {
  fetch?: typeof fetch;
  metrics?: ConnectorMetrics;
  /** Where applied idempotency keys are remembered (default: the process-memory ledger). */
  applyLedger?: ApplyLedger;
}

const FACTORIES: { [K in ConnectorKind]: (config: ConnectorConfig, deps: ConnectorDeps) => Connector } = {
  salesforce: (c, d) => new SalesforceConnector(c, d),
  dynamics: (c, d) => new DynamicsConnector(c, d),
  tryton: (c, d) => new TrytonConnector(c, d),
  wms: (c, d) => new WmsConnector(c, d),
  'support-desk': (c, d) => new SupportDeskConnector(c, d),
  sql: (c, d) => new SqlDatabaseConnector(c, d),
  'file-drop': (c, d) => new FileDropConnector(c, d),
};

/** One connector instance from its validated config (see `loadConnectorsConfig`). */
export function createConnector(config: ConnectorConfig, deps: ConnectorDeps = {}): Connector {
  return FACTORIES[config.kind](config, deps);
}
