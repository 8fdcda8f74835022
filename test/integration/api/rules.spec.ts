import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
import { startApiApp, type ApiTestApp } from './support/api-app';

const PACK = {
  fieldMatch: 'customer/customer.billing-address-match.yaml',
  freshness: 'customer/customer.snapshot-freshness.yaml',
  sla: 'order/order.status-propagation-sla.yaml',
};

describe('GET /api/v1/rules and /api/v1/rules/:id: the rule pack, one definition and its compiled SQL', () => {
  let t: ApiTestApp;
  let rulesDir: string;
  let viewer: string;

  beforeAll(async () => {
    // A private rules directory: three rules of the shipped pack and one broken file.
    rulesDir = mkdtempSync(join(tmpdir(), 'dw-rules-api-'));
    for (const file of Object.values(PACK))
      copyFileSync(join(DEFAULT_RULES_DIR, file), join(rulesDir, file.split('/')[1]));
    writeFileSync(
      join(rulesDir, 'broken.yaml'),
      'id: customer.broken\nversion: 1\ndescription: no kind\nowner: x\nseverity: loud\ndomain: customer\nfix_policy: auto\n',
    );
    t = await startApiApp({ RECONCILIATION_RULES_DIR: rulesDir });
    viewer = (await t.key(['viewer'])).key;
  });

  afterAll(async () => {
    await t?.close();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it('lists every loaded rule with its summary, and the broken file separately', async () => {
    const res = await request(t.server).get('/api/v1/rules').set('X-API-Key', viewer).expect(200);
    expect(res.body.items.map((r: { id: string }) => r.id)).toEqual([
      'customer.billing-address-match',
      'customer.snapshot-freshness',
      'order.status-propagation-sla',
    ]);
    expect(res.body.items[0]).toEqual({
      id: 'customer.billing-address-match',
      version: 2,
      description: "The CRM's billing address equals the ERP's (street tokens, case and punctuation aside).",
      owner: 'finance-data',
      severity: 'medium',
      domain: 'customer',
      kind: 'field_match',
      fix_policy: 'auto',
      enabled: true,
      systems: ['erp', 'crm'],
    });
    expect(res.body.items[1]).toMatchObject({ kind: 'freshness', systems: ['erp', 'crm', 'wms', 'support'] });
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(res.body.errors.join('\n')).toMatch(/broken\.yaml/);
  });

  it('returns one rule with its full definition and the ClickHouse SQL a run would execute', async () => {
    const res = await request(t.server)
      .get('/api/v1/rules/customer.billing-address-match')
      .set('X-API-Key', viewer)
      .expect(200);
    expect(res.body).toMatchObject({
      id: 'customer.billing-address-match',
      kind: 'field_match',
      systems: ['erp', 'crm'],
    });
    expect(res.body.definition.spec.fields.map((f: { field: string }) => f.field)).toContain(
      'billing_address_postal_code',
    );
    expect(res.body.compiled.error).toBeNull();
    expect(res.body.compiled.latencySql).toBeNull();
    expect(res.body.compiled.findingsSql).toMatch(/^\s*SELECT/i);
    expect(res.body.compiled.findingsSql).toContain('customer.billing-address-match');
    expect(res.body.compiled.findingsSql).toContain('current_customer');
  });

  it('returns the latency query too for a propagation_sla rule', async () => {
    const res = await request(t.server)
      .get('/api/v1/rules/order.status-propagation-sla')
      .set('Authorization', `Bearer ${viewer}`)
      .expect(200);
    expect(res.body.compiled.findingsSql).toContain('entity_events');
    expect(res.body.compiled.latencySql).toContain('entity_events');
  });

  it('answers 404 naming the id for an unknown rule, and for a rule whose file failed to load', async () => {
    for (const id of ['customer.no-such-rule', 'customer.broken', "x'; DROP TABLE findings --"]) {
      const res = await request(t.server)
        .get(`/api/v1/rules/${encodeURIComponent(id)}`)
        .set('X-API-Key', viewer)
        .expect(404);
      expect(res.body.message).toContain(id);
    }
  });

  it('refuses both routes without credentials (401)', async () => {
    await request(t.server).get('/api/v1/rules').expect(401);
    await request(t.server).get('/api/v1/rules/customer.billing-address-match').expect(401);
  });
});
