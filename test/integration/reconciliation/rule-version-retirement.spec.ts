/**
 * A new rule version that no longer sees a finding retires it: the rule changed, not the data, so the
 * finding leaves the active set without counting as a resolution (and the overview's resolutions and
 * auto-heal rate do not read a rule change as healed drift).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findingId } from '../../../backend/src/modules/findings/finding';
import { customers, ReconciliationFixture, TEST_RULES_DIR } from './support/reconciliation-fixture';

const NAMES = 'customer.test-legal-name';
const RULE_FILE = 'customer/customer.test-legal-name.yaml';
const nameFinding = (key: string) =>
  findingId({ ruleId: NAMES, entity: 'customer', matchKey: key, field: 'legal_name', actualSystem: 'crm' });

describe('rule version changes retire the findings the new version no longer sees', () => {
  let fx: ReconciliationFixture;
  let rulesDir: string;
  const original = readFileSync(join(TEST_RULES_DIR, RULE_FILE), 'utf8');

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'dw-rules-'));
    mkdirSync(join(rulesDir, 'customer'));
    writeFileSync(join(rulesDir, RULE_FILE), original);
    fx = await ReconciliationFixture.create(rulesDir);
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it('retires what version 3 no longer finds, resolves nothing, and reopens nothing it still finds', async () => {
    // The CRM spells 3 names with a company suffix and 2 differently altogether.
    const erp = customers(50);
    const crm = erp.map((c, i) =>
      i < 3 ? { ...c, legal_name: `${c.legal_name} Ltd` } : i < 5 ? { ...c, legal_name: `Zenith ${i}` } : c,
    );
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot('crm', crm);
    const first = await fx.service.run({ trigger: 'api' });
    expect(first.ruleCounts[NAMES]).toMatchObject({ version: 2, findings: 5, new: 5 });
    await fx.service.run({ trigger: 'schedule' });
    expect(await fx.findings.countByStatus([NAMES])).toEqual({ open: 5 });

    // Version 3 ignores company suffixes; the data is unchanged.
    writeFileSync(
      join(rulesDir, RULE_FILE),
      original
        .replace('version: 2', 'version: 3')
        .replace('normalize: [trim, lower]', 'normalize: [trim, lower, company_suffix]'),
    );
    const changed = await fx.service.run({ trigger: 'schedule' });
    expect(changed.status).toBe('complete');
    expect(changed.ruleCounts[NAMES]).toMatchObject({ version: 3, findings: 2, new: 0, resolved: 0, retired: 3 });
    expect(changed.resolvedTotal).toBe(0);
    expect(await fx.findings.countByStatus([NAMES])).toEqual({ open: 2, retired: 3 });
    expect(await fx.findings.findById(nameFinding('C0001'))).toMatchObject({ status: 'retired', resolvedAt: null });
    expect(await fx.findings.findById(nameFinding('C0004'))).toMatchObject({ status: 'open', ruleVersion: 3 });
    const [flow]: { resolved: string; exited: string }[] = await fx.dataSource.query(
      `SELECT sum(resolved) AS resolved, sum(exited) AS exited FROM findings_daily_flow WHERE rule_id = $1`,
      [NAMES],
    );
    expect({ resolved: Number(flow.resolved), exited: Number(flow.exited) }).toEqual({ resolved: 0, exited: 3 });

    // Fixing the data afterwards resolves under the version that found it.
    await fx.completeSnapshot('crm', erp);
    const fixed = await fx.service.run({ trigger: 'schedule' });
    expect(fixed.ruleCounts[NAMES]).toMatchObject({ resolved: 2 });
    expect(fixed.ruleCounts[NAMES]).not.toHaveProperty('retired');
    expect(await fx.findings.countByStatus([NAMES])).toEqual({ resolved: 2, retired: 3 });
  });
});
