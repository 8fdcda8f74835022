import { Client, type Pool, type PoolClient } from 'pg';
import type { ConnectorConfig } from '../../../backend/src/connectors/config/connectors-config';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { SqlDatabaseConnector } from '../../../backend/src/connectors/sql/sql-database.connector';
import { isolatedPostgres } from '../support/test-services';
import { describeConnectorContract } from './support/connector-contract';

const SEEDED = 150;
const PAGE = 40;
/** legacy_customers columns of the canonical customer fields the contract touches. */
const SOURCE_COLUMNS: Record<string, string> = { legalName: 'cust_name', phone: 'tel' };

describeConnectorContract('SQL database (real Postgres)', { faults: ['drop'], writes: true }, async () => {
  const db = await isolatedPostgres();
  const admin = new Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    CREATE TABLE legacy_customers (
      cust_id integer PRIMARY KEY,
      cust_no text,
      cust_name text,
      country_name text,
      tel text,
      terms text,
      changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
  await admin.query(
    `INSERT INTO legacy_customers (cust_id, cust_no, cust_name, country_name, tel, terms, changed_at)
     SELECT i, 'C' || lpad(i::text, 5, '0'), 'Legacy Customer ' || i, 'Germany', '030 555' || lpad(i::text, 4, '0'), 'N30',
            now() - interval '1 day'
     FROM generate_series(1, ${SEEDED}) AS i`,
  );
  const config: ConnectorConfig = {
    id: 'legacy',
    kind: 'sql',
    auth: { type: 'none' },
    pageSize: PAGE,
    timeoutMs: 10_000,
    settings: {
      url: new Secret(db.url, 'test'),
      entities: {
        customer: {
          query: 'SELECT cust_id, cust_no, cust_name, country_name, tel, changed_at FROM legacy_customers',
          key: 'cust_id',
          watermark: 'changed_at',
          table: 'legacy_customers',
          fields: {
            customerNumber: { from: 'cust_no' },
            legalName: { from: 'cust_name', required: true },
            country: { from: 'country_name', normalize: 'country' },
            phone: { from: 'tel', normalize: 'phone' },
          },
        },
      },
    },
  };
  const connector = new SqlDatabaseConnector(config);
  const racingConnectors: SqlDatabaseConnector[] = [];
  let seeded = SEEDED;
  let terminated = 0;
  return {
    connector,
    entity: 'customer',
    get seeded() {
      return seeded;
    },
    pageSize: PAGE,
    async touch(key, field, value) {
      const column = SOURCE_COLUMNS[field];
      if (!column) throw new Error(`touch ${field}`);
      await admin.query(
        `UPDATE legacy_customers SET ${column} = $1, changed_at = clock_timestamp() WHERE cust_id = $2`,
        [value, key],
      );
    },
    writable: { field: 'legalName', value: (n) => `Legacy Renamed ${n}` },
    sibling: { field: 'phone', value: (n) => `+4930555900${n}` },
    racing(edit) {
      const racing = new SqlDatabaseConnector(config);
      racingConnectors.push(racing);
      // The connector reads through `pool.query` and checks a client out (`pool.connect()`, no
      // callback) only for its UPDATE: the edit lands between the two, in a session of its own.
      const pool = (racing as unknown as { pool: Pool }).pool;
      const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<PoolClient>;
      let raced = false;
      pool.connect = (async (...args: unknown[]) => {
        if (!raced && args.length === 0) {
          raced = true;
          await edit();
        }
        return connect(...args);
      }) as Pool['connect'];
      return racing;
    },
    faults: {
      // Kill the connector's pooled connections, as a failover or an idle-timeout on the server would.
      async drop() {
        await connector.health();
        const result = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'driftwatch-connector-legacy'`,
        );
        terminated += result.rowCount ?? 0;
      },
    },
    faultsHit: async () => terminated,
    async malform() {
      await admin.query(
        `INSERT INTO legacy_customers (cust_id, cust_no, cust_name, country_name) VALUES (100001, 'CBAD1', NULL, 'Germany'), (100002, 'CBAD2', 'No Such Country Ltd', 'Atlantis')`,
      );
      seeded += 2;
    },
    async close() {
      await connector.close();
      for (const racing of racingConnectors) await racing.close();
      await admin.end();
      await db.drop();
    },
  };
});
