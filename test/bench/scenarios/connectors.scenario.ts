import { parseArgs } from 'node:util';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { SalesforceConnector } from '../../../backend/src/connectors/salesforce/salesforce.connector';
import type { BenchScenario } from '../bench-scenario';
import { startEstateProcess } from '../support/bench-services';

/**
 * Full-extract throughput of the Salesforce connector against the estate CRM (in a process of its
 * own): OAuth, SOQL pages of 2,000 via nextRecordsUrl, mapping to canonical customers (country, phone
 * E.164, status) — everything but the ClickHouse insert, which the snapshot scenario measures.
 *   npm run bench -- connectors [--customers 100000] [--page 2000]
 */
export const connectorsScenario: BenchScenario = {
  name: 'connectors',
  description: 'full extract rows/s from the CRM simulator through the Salesforce connector (default 100k customers)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { customers: { type: 'string', default: '100000' }, page: { type: 'string', default: '2000' } },
    });
    const customers = Number(values.customers);
    const estate = await startEstateProcess(customers);
    try {
      const connector = new SalesforceConnector({
        id: 'crm',
        kind: 'salesforce',
        baseUrl: estate.crm.baseUrl,
        auth: {
          type: 'oauth2-client-credentials',
          tokenUrl: estate.crm.tokenUrl,
          clientId: estate.crm.clientId,
          clientSecret: new Secret(estate.crm.clientSecret, 'bench'),
        },
        pageSize: Number(values.page),
        timeoutMs: 60_000,
        settings: {},
      });
      const figures: Record<string, number> = { customers };
      for (const entity of ['customer', 'credit_profile'] as const) {
        const started = performance.now();
        let rows = 0;
        let rejects = 0;
        let pages = 0;
        for await (const batch of connector.extract(entity, { mode: 'full' })) {
          rows += batch.records.length;
          rejects += batch.rejects.length;
          pages++;
        }
        const seconds = (performance.now() - started) / 1000;
        figures[`${entity}_rows`] = rows;
        figures[`${entity}_rejects`] = rejects;
        figures[`${entity}_pages`] = pages;
        figures[`${entity}_seconds`] = seconds;
        figures[`${entity}_rows_per_s`] = Math.round((rows + rejects) / seconds);
      }
      return figures;
    } finally {
      await estate.stop();
    }
  },
};
