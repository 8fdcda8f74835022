/**
 * Snapshots of a change event's keys (keyed snapshots) hold a handful of records: they update the
 * current state and targeted runs read them, but they are never a system's whole state. A pair whose
 * only complete snapshots are keyed (a webhook landed before the first full snapshot finished) must
 * not be reconciled as if it held every record, and keyed snapshots do not make a system fresh.
 */
import { SlaRepository } from '../../../backend/src/modules/sla/sla.repository';
import { customers, ReconciliationFixture, type PreviewingFixture } from './support/reconciliation-fixture';

const PRESENCE = 'customer.test-presence';
const NAMES = 'customer.test-legal-name';

const freshness = `
id: customer.test-freshness
version: 1
description: Both systems have a whole snapshot from the last two days.
owner: platform
severity: high
domain: customer
fix_policy: manual
kind: freshness
spec:
  systems: [erp, crm]
  max_age: 2d
`;

describe('keyed snapshots are never a whole state (real ClickHouse and Postgres)', () => {
  let fx: PreviewingFixture;
  const erp = customers(300);

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('holds off the rules of a pair with keyed snapshots only, instead of finding every other record missing', async () => {
    await fx.completeSnapshot('erp', erp);
    // Change events of two CRM accounts, before any whole CRM snapshot completed.
    await fx.completeSnapshot('crm', erp.slice(0, 2), 'incremental');
    const run = await fx.service.run({ trigger: 'api' });
    expect(run.status).toBe('complete');
    for (const rule of [PRESENCE, NAMES]) {
      expect(run.ruleCounts[rule]).toMatchObject({ status: 'skipped', reason: 'no complete snapshot of crm/customer' });
    }
    expect(run.findingsTotal).toBe(0);
    const stale = await fx.previews.dryRun({ yaml: freshness });
    expect(stale.findings.map((f) => [f.match_key, f.actual_value])).toEqual([['crm', 'never']]);
    // The SLA page's freshness judges the same completions.
    const sla = new SlaRepository(fx.clickhouse, fx.dataSource);
    expect([...(await sla.lastCompleteBySystem()).keys()]).toEqual(['erp']);

    // Its first whole snapshot lands, three days old: the rules run on it, and the CRM is stale
    // although a keyed snapshot completed since.
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    await fx.completeSnapshot('crm', erp.slice(0, 290), 'full', { at: threeDaysAgo });
    const whole = await fx.service.run({ trigger: 'api' });
    expect(whole.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 10 });
    expect(whole.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 0 });
    const old = await fx.previews.dryRun({ yaml: freshness });
    expect(old.findings.map((f) => [f.match_key, f.actual_value.slice(0, 10)])).toEqual([
      ['crm', threeDaysAgo.toISOString().slice(0, 10)],
    ]);
    expect((await sla.lastCompleteBySystem()).get('crm')?.getTime()).toBe(
      Math.floor(threeDaysAgo.getTime() / 1000) * 1000,
    );

    await fx.completeSnapshot('crm', erp.slice(0, 290));
    expect((await fx.previews.dryRun({ yaml: freshness })).findings).toEqual([]);
  });
});
