import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEstate, type GroundTruthEntry, type RunningEstate } from '@driftwatch/demo-estate';
import { loadConnectorsConfig } from '../../../backend/src/connectors/config/connectors-config';
import { createConnector } from '../../../backend/src/connectors/connector-factory';
import { DEMO_SNAPSHOTS } from '../../e2e/support/demo-environment';
import { collect } from './support/connector-contract';

const DEMO_CONFIG = join(__dirname, '../../../infra/local/demo-connectors.yaml');
const DEMO_SCRIPT = join(__dirname, '../../../infra/local/demo.sh');

/**
 * The connectors `npm run demo` uses (infra/local/demo-connectors.yaml) against a drifting estate:
 * what they extract is the estate's content, so customer presence is off exactly where drift was
 * injected — no "missing in ERP" for customers that live in another legal entity — and the demo
 * snapshots (infra/local/demo.sh) cover every entity they extract, so no rule waits for a snapshot
 * that never comes.
 */
describe('demo connector configuration against the estate', () => {
  let estate: RunningEstate;
  let truth: readonly GroundTruthEntry[];

  beforeAll(async () => {
    estate = await startEstate({ customers: 3000, seed: 42, scenario: 'default', systems: ['crm', 'erp', 'wms'] });
    truth = estate.groundTruth();
  });
  afterAll(async () => {
    await estate?.stop();
  });

  const demoEnv = () => ({
    ESTATE_CRM_URL: estate.crm.baseUrl,
    ESTATE_ERP_URL: estate.erp.baseUrl,
    ESTATE_WMS_URL: 'http://127.0.0.1:9',
    ESTATE_SUPPORT_URL: 'http://127.0.0.1:9',
    CRM_CLIENT_SECRET: estate.crm.clientSecret,
    ERP_CLIENT_SECRET: estate.erp.clientSecret,
    WMS_API_KEY: 'unused',
    WMS_WEBHOOK_SECRET: 'unused-webhook-secret',
    SUPPORT_API_TOKEN: 'unused',
  });

  it('reads every ERP legal entity, and presence differences are exactly the injected ones', async () => {
    const configs = loadConnectorsConfig(DEMO_CONFIG, demoEnv());
    const erp = createConnector(configs.find((c) => c.id === 'erp')!);
    const crm = createConnector(configs.find((c) => c.id === 'crm')!);

    const erpCustomers = await collect(erp.extract('customer', { mode: 'full' }));
    const table = estate.stores.erp.table('CustomersV3');
    expect(erpCustomers.records.length + erpCustomers.rejects).toBe(table.size);
    expect(new Set([...table.rowsInOrder()].map((r) => r.record.dataAreaId)).size).toBeGreaterThan(1);

    const crmCustomers = await collect(crm.extract('customer', { mode: 'full' }));
    const inErp = new Set(erpCustomers.records.map((r) => r.fields.customerNumber));
    const inCrm = new Set(crmCustomers.records.map((r) => r.fields.customerNumber).filter(Boolean));
    const missingInErp = [...inCrm].filter((n) => !inErp.has(n)).sort();
    const missingInCrm = [...inErp].filter((n) => !inCrm.has(n)).sort();

    // Customers the drift took out of the ERP (orphans left in the CRM) and out of the CRM.
    const goneFromErp = truth
      .filter((t) => t.kind === 'orphan' && t.entity === 'customer' && t.system === 'crm')
      .map((t) => t.key)
      .sort();
    const goneFromCrm = truth
      .filter((t) => t.kind === 'missing' && t.entity === 'customer' && t.system === 'crm')
      .map((t) => t.key)
      .sort();
    expect(goneFromCrm.length).toBeGreaterThan(0);
    expect(missingInErp).toEqual(goneFromErp);
    expect(missingInCrm).toEqual(goneFromCrm);
  });

  it('snapshots every entity each demo connector extracts, the CRM shipments included', () => {
    const line = /^DEMO_SNAPSHOTS="([^"]+)"$/m.exec(readFileSync(DEMO_SCRIPT, 'utf8'))?.[1] ?? '';
    const scheduled = line.split(' ').sort();
    const declared = loadConnectorsConfig(DEMO_CONFIG, demoEnv())
      .flatMap((config) => createConnector(config).capabilities.entities.map((entity) => `${config.id}:${entity}`))
      .sort();
    expect(scheduled).toContain('crm:shipment');
    expect(scheduled).toEqual(declared);
    // The browser tests' demo loop snapshots the same pairs.
    expect(DEMO_SNAPSHOTS.map(([connector, entity]) => `${connector}:${entity}`).sort()).toEqual(declared);
  });

  it("reads the ERP's contact persons as copies of the CRM's contacts, off exactly where drift was injected", async () => {
    const configs = loadConnectorsConfig(DEMO_CONFIG, demoEnv());
    const erp = createConnector(configs.find((c) => c.id === 'erp')!);
    const crm = createConnector(configs.find((c) => c.id === 'crm')!);
    const erpContacts = await collect(erp.extract('contact', { mode: 'full' }));
    const crmContacts = await collect(crm.extract('contact', { mode: 'full' }));
    expect(erpContacts.rejects + crmContacts.rejects).toBe(0);
    const inErp = new Map(erpContacts.records.map((r) => [r.fields.email, r.fields]));
    const inCrm = new Map(crmContacts.records.map((r) => [r.fields.email, r.fields]));
    expect(inErp.size).toBe(erpContacts.records.length);

    const contactTruth = truth.filter((t) => t.entity === 'contact');
    const missingInErp = contactTruth
      .filter((t) => t.system === 'erp' && t.field === null)
      .map((t) => t.key)
      .sort();
    expect(new Set(contactTruth.map((t) => t.variation))).toEqual(
      new Set(['never_created', 'edit', 'customer_removed', undefined]),
    );
    expect([...inCrm.keys()].filter((email) => !inErp.has(email)).sort()).toEqual(missingInErp);

    // Field by field, as contact.fields-match compares them (phones in E.164 on both sides).
    const differing: string[] = [];
    for (const [email, c] of inCrm) {
      const e = inErp.get(email);
      if (!e) continue;
      for (const field of ['firstName', 'lastName', 'phone', 'title'] as const)
        if (c[field] !== e[field]) differing.push(`${email} ${field}`);
    }
    const edited = contactTruth
      .filter((t) => t.variation === 'edit')
      .map((t) => `${t.key} ${t.field === 'phone' ? 'phone' : 'title'}`);
    expect(edited.length).toBeGreaterThan(0);
    expect(differing.sort()).toEqual(edited.sort());
  });

  it('extracts the CRM copy of every WMS shipment but those of customers missing from the CRM', async () => {
    const crm = createConnector(loadConnectorsConfig(DEMO_CONFIG, demoEnv()).find((c) => c.id === 'crm')!);
    const shipments = await collect(crm.extract('shipment', { mode: 'full' }));
    expect(shipments.rejects).toBe(0);
    const inCrm = new Set(shipments.records.map((r) => r.fields.orderNumber));
    const inWms = new Set([...estate.stores.wms.shipments.rowsInOrder()].map((r) => r.record.order_number));
    const missing = truth
      .filter((t) => t.kind === 'missing' && t.entity === 'shipment' && t.system === 'crm')
      .map((t) => t.key)
      .sort();
    expect(missing.length).toBeGreaterThan(0);
    expect([...inWms].filter((n) => !inCrm.has(n)).sort()).toEqual(missing);
    expect([...inCrm].filter((n) => !inWms.has(n))).toEqual([]);
    expect(shipments.records).toHaveLength(inCrm.size);
  });
});
