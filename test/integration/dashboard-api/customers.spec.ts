import request from 'supertest';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { raw } from '../../../backend/src/clickhouse/sql';
import type {
  Customer360Dto as Customer360,
  CustomerMatchDto as CustomerMatch,
} from '../../../backend/src/modules/customers/customers.dto';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import {
  customers,
  ReconciliationFixture,
  TEST_RULES_DIR,
  type Customer,
} from '../reconciliation/support/reconciliation-fixture';
import { ownRedisUrl } from '../support/test-services';

describe('customer 360 over HTTP (real app, snapshots, reconciliation run, crosswalk)', () => {
  let t: ApiTestApp;
  let viewer: string;

  beforeAll(async () => {
    t = await startApiApp({
      RECONCILIATION_RULES_DIR: TEST_RULES_DIR,
      REDIS_URL: ownRedisUrl(),
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    viewer = (await t.key(['viewer'])).key;
    const clickhouse = t.app.get(ClickHouseService);
    const fx = ReconciliationFixture.over({
      clickhouse,
      dataSource: t.app.get(DataSource),
      service: t.app.get(ReconciliationService),
      findings: t.app.get(FindingsRepository),
    });
    const withEmail = (c: Customer, i: number): Customer =>
      ({ ...c, email: `ap${i + 1}@acme.example` }) as Customer & { email: string };
    const erp = customers(200).map(withEmail);
    // C0001's parent: the ERP's customer account, the CRM's own account id (not a difference).
    const crmParent = '0015g0000000100AAA';
    erp[0] = { ...erp[0], parent_key: 'C0100' } as Customer;
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot('crm', [{ ...erp[0], parent_key: crmParent } as Customer, ...erp.slice(1)]);
    // The CRM renames C0001; and holds a record with no customer number that a steward linked to C0002.
    await fx.completeSnapshot('crm', [
      { ...erp[0], legal_name: 'Acme One Renamed', parent_key: crmParent } as Customer,
      ...erp.slice(1),
      { customer_number: '', legal_name: 'ACME 2 (old account)' },
    ]);
    await t.app.get(ReconciliationService).run({ trigger: 'api' });
    await clickhouse.insert(
      raw('crosswalk'),
      [
        {
          entity: 'customer',
          system: 'erp',
          entity_key: 'erp-C0002',
          global_id: 'G-2',
          link_id: 'L1',
          linked_at: Math.floor(Date.now() / 1000),
          version: 1,
          deleted: 0,
        },
        {
          entity: 'customer',
          system: 'crm',
          entity_key: 'crm-',
          global_id: 'G-2',
          link_id: 'L1',
          linked_at: Math.floor(Date.now() / 1000),
          version: 1,
          deleted: 0,
        },
      ],
      { tag: 'test.crosswalk' },
    );
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string) => request(t.server).get(path).set('X-API-Key', viewer);

  it('searches by customer number prefix with cursor pagination that visits each customer once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/api/v1/customers?q=c000&limit=4${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      const page = res.body as { items: CustomerMatch[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.customerNumber));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['C0001', 'C0002', 'C0003', 'C0004', 'C0005', 'C0006', 'C0007', 'C0008', 'C0009']);
    const first = ((await get('/api/v1/customers?q=C0001').expect(200)).body as { items: CustomerMatch[] }).items;
    expect(first).toEqual([
      {
        customerNumber: 'C0001',
        records: [
          expect.objectContaining({ system: 'crm', entityKey: 'crm-C0001', legalName: 'Acme One Renamed' }),
          expect.objectContaining({ system: 'erp', entityKey: 'erp-C0001', legalName: 'Acme 1' }),
        ],
      },
    ]);
  });

  it('searches by part of the name (any case) and by exact email, optionally in one system', async () => {
    const byName = (
      (await get('/api/v1/customers?q=ACME%2012&limit=50').expect(200)).body as { items: CustomerMatch[] }
    ).items;
    expect(byName.map((i) => i.customerNumber)).toEqual(['C0012', ...Array.from({ length: 10 }, (_, i) => `C012${i}`)]);
    const byEmail = ((await get('/api/v1/customers?q=AP7@acme.example').expect(200)).body as { items: CustomerMatch[] })
      .items;
    expect(byEmail.map((i) => i.customerNumber)).toEqual(['C0007']);
    const erpOnly = ((await get('/api/v1/customers?q=Renamed').expect(200)).body as { items: CustomerMatch[] }).items;
    expect(erpOnly.map((i) => i.customerNumber)).toEqual(['C0001']);
    const none = ((await get('/api/v1/customers?q=Renamed&system=erp').expect(200)).body as { items: CustomerMatch[] })
      .items;
    expect(none).toEqual([]);
    // Wildcards in the text are literal.
    expect(((await get('/api/v1/customers?q=%25%25').expect(200)).body as { items: unknown[] }).items).toEqual([]);
  });

  it('shows one customer: records side by side with the owner, findings and a timeline of changes', async () => {
    const body = (await get('/api/v1/customers/C0001').expect(200)).body as Customer360;
    expect(body.customer.records.map((r) => r.system)).toEqual(['crm', 'erp']);
    const name = body.customer.fields.find((f) => f.field === 'legal_name');
    expect(name).toEqual({
      field: 'legal_name',
      ownerSystem: 'erp',
      values: ['Acme One Renamed', 'Acme 1'],
      differs: true,
      systemLocal: false,
    });
    expect(body.customer.fields.find((f) => f.field === 'parent_key')).toEqual({
      field: 'parent_key',
      ownerSystem: 'erp',
      values: ['0015g0000000100AAA', 'C0100'],
      differs: false,
      systemLocal: true,
    });
    expect(body.customer.fields.find((f) => f.field === 'email')).toMatchObject({ ownerSystem: 'crm', differs: false });
    expect(body.openFindings).toEqual([
      expect.objectContaining({
        ruleId: 'customer.test-legal-name',
        field: 'legal_name',
        actualSystem: 'crm',
        actualValue: 'Acme One Renamed',
      }),
    ]);
    const change = body.timeline.find((e) => e.type === 'change');
    expect(change).toMatchObject({
      system: 'crm',
      entityKey: 'crm-C0001',
      changes: [{ field: 'legal_name', from: 'Acme 1', to: 'Acme One Renamed' }],
    });
    expect(body.timeline.filter((e) => e.type === 'snapshot')).toHaveLength(2);
    expect(body.timeline.some((e) => e.type === 'finding_opened')).toBe(true);
    expect(body.crosswalk).toEqual([]);
  });

  it("lists the findings of the customer's contacts (keyed by email) among its open findings", async () => {
    const clickhouse = t.app.get(ClickHouseService);
    const dataSource = t.app.get(DataSource);
    const contact = (system: string, email: string, customerNumber: string, title: string) => ({
      system,
      entity_key: `${system}-${email}`,
      snapshot_id: `contacts-${system}`,
      captured_at: Math.floor(Date.now() / 1000),
      source_updated_at: Math.floor(Date.now() / 1000),
      customer_key: `${system}-${customerNumber}`,
      customer_number: customerNumber,
      first_name: 'Ada',
      last_name: 'Buyer',
      email,
      phone: '',
      title,
      raw_excerpt: '',
      version: 1,
      deleted: 0,
    });
    await clickhouse.insert(
      raw('current_contact'),
      [
        contact('crm', 'ada@acme3.example', 'C0003', 'Head of Purchasing'),
        contact('erp', 'ada@acme3.example', 'C0003', 'Buyer'),
        contact('crm', 'bob@acme4.example', 'C0004', 'CFO'),
      ],
      { tag: 'test.contacts' },
    );
    const [run] = await dataSource.query(`SELECT id FROM reconciliation_runs ORDER BY started_at DESC LIMIT 1`);
    const finding = (id: string, matchKey: string) =>
      dataSource.query(
        `INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system, expected_value,
           actual_system, actual_value, severity, domain, status, first_seen_at, last_seen_at, first_run_id, last_run_id)
         VALUES ($1, 'contact.fields-match', 1, 'contact', $2, 'title', 'mismatch', 'crm', 'head of purchasing', 'erp',
           'buyer', 'low', 'contact', 'open', now(), now(), $3, $3)`,
        [id, matchKey, run.id],
      );
    await finding('contact-finding-ada', 'ada@acme3.example');
    await finding('contact-finding-bob', 'bob@acme4.example');

    const body = (await get('/api/v1/customers/C0003').expect(200)).body as Customer360;
    expect(body.contacts.map((c) => c.system)).toEqual(['crm', 'erp']);
    expect(body.openFindings).toEqual([
      expect.objectContaining({
        id: 'contact-finding-ada',
        entity: 'contact',
        matchKey: 'ada@acme3.example',
        field: 'title',
        actualSystem: 'erp',
      }),
    ]);
  });

  it('includes records linked through the crosswalk', async () => {
    const body = (await get('/api/v1/customers/C0002').expect(200)).body as Customer360;
    expect(body.customer.records.map((r) => `${r.system}/${r.entityKey}`)).toEqual([
      'crm/crm-',
      'crm/crm-C0002',
      'erp/erp-C0002',
    ]);
    expect(body.crosswalk.map((l) => `${l.system}/${l.entityKey}/${l.globalId}`)).toEqual([
      'crm/crm-/G-2',
      'erp/erp-C0002/G-2',
    ]);
  });

  it('answers 404 for an unknown customer, 400 naming the bad parameter, 401 without credentials', async () => {
    await get('/api/v1/customers/C9999').expect(404);
    const field = async (path: string) => ((await get(path).expect(400)).body as { field: string }).field;
    expect(await field('/api/v1/customers')).toBe('q');
    expect(await field('/api/v1/customers?q=C')).toBe('q');
    expect(await field('/api/v1/customers?q=C0&system=ERP!')).toBe('system');
    expect(await field('/api/v1/customers?q=C0&cursor=nope!')).toBe('cursor');
    expect(await field('/api/v1/customers?q=C0&sort=legalName')).toBe('sort');
    expect(await field('/api/v1/customers?q=C0&name=x')).toBe('name');
    await request(t.server).get('/api/v1/customers?q=C0').expect(401);
  });
});
