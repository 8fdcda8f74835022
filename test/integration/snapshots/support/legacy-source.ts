import type { Provider } from '@nestjs/common';
import { Client } from 'pg';
import { connectorConfigSchema } from '../../../../backend/src/connectors/config/connectors-config';
import { SqlDatabaseConnector } from '../../../../backend/src/connectors/sql/sql-database.connector';
import {
  CONNECTOR_RESOLVER,
  StaticConnectorResolver,
} from '../../../../backend/src/modules/snapshots/snapshot-connectors';
import { isolatedPostgres } from '../../support/test-services';

export const LEGACY = 'legacy';
export const orderNumber = (i: number): string => `SO-${String(i).padStart(6, '0')}`;
const SEED_TIME = Date.UTC(2026, 0, 1);

/**
 * A legacy order system in its own Postgres database, read through the real SQL connector: the
 * simplest real source the snapshot pipeline can be tested against, and one whose data a test can
 * change, break or delete directly.
 */
export interface LegacySource {
  url: string;
  sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  provider(pageSize?: number): Provider;
  drop(): Promise<void>;
}

export async function legacySource(orders: number): Promise<LegacySource> {
  const db = await isolatedPostgres();
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    CREATE TABLE legacy_orders (
      order_no text PRIMARY KEY,
      customer_no text,
      status text NOT NULL,
      status_changed_at timestamptz,
      total numeric(14, 2) NOT NULL,
      currency text NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
  await client.query(
    `INSERT INTO legacy_orders
     SELECT 'SO-' || lpad(i::text, 6, '0'), 'C-' || lpad((i % 97)::text, 5, '0'),
            (ARRAY['confirmed','processing','shipped','delivered'])[1 + i % 4],
            to_timestamp($1::double precision / 1000) + i * interval '1 minute',
            round((i * 13.37)::numeric, 2), 'EUR',
            to_timestamp($1::double precision / 1000) + i * interval '1 minute'
     FROM generate_series(1, $2) AS i`,
    [SEED_TIME, orders],
  );
  const connectors: SqlDatabaseConnector[] = [];
  return {
    url: db.url,
    async sql(text, values = []) {
      return (await client.query<Record<string, unknown>>(text, values)).rows;
    },
    provider(pageSize = 250) {
      return {
        provide: CONNECTOR_RESOLVER,
        useFactory: () => {
          const config = connectorConfigSchema.parse({
            id: LEGACY,
            kind: 'sql',
            pageSize,
            settings: {
              url: db.url,
              entities: {
                order: {
                  query: 'SELECT * FROM legacy_orders',
                  key: 'order_no',
                  watermark: 'updated_at',
                  table: 'legacy_orders',
                  fields: {
                    orderNumber: { from: 'order_no', required: true },
                    customerNumber: { from: 'customer_no', required: true },
                    status: { from: 'status' },
                    statusChangedAt: { from: 'status_changed_at', normalize: 'date' },
                    total: { from: 'total', normalize: 'number' },
                    currency: { from: 'currency', normalize: 'upper' },
                  },
                },
              },
            },
          });
          const connector = new SqlDatabaseConnector(config);
          connectors.push(connector);
          return new StaticConnectorResolver([connector]);
        },
      };
    },
    async drop() {
      for (const connector of connectors) await connector.close();
      await client.end();
      await db.drop();
    },
  };
}
