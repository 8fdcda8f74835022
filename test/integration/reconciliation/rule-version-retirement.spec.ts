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
const PRESENCE = 'customer.test-presence';
const RULE_FILE = 'customer/customer.test-legal-name.yaml';
const PRESENCE_FILE = 'customer/customer.test-presence.yaml';
const nameFinding = (key: string) =>
  findingId({ ruleId: NAMES, entity: 'customer', matchKey: key, field: 'legal_name', actualSystem: 'crm' });

describe('rule changes retire the findings the rule no longer sees', () => {
  let fx: ReconciliationFixture;
  let rulesDir: string;
  const original = readFileSync(join(TEST_RULES_DIR, RULE_FILE), 'utf8');

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'dw-rules-'));
    mkdirSync(join(rulesDir, 'customer'));
    writeFileSync(join(rulesDir, RULE_FILE), original);
    writeFileSync(join(rulesDir, PRESENCE_FILE), readFileSync(join(TEST_RULES_DIR, PRESENCE_FILE), 'utf8'));
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

  it('a full run retires the active findings of a rule gone from the pack, unless a rule file failed to load', async () => {
    // The CRM misses 4 customers: the presence rule finds them.
    const erp = customers(50);
    await fx.completeSnapshot('crm', erp.slice(0, 46));
    await fx.service.run({ trigger: 'schedule' });
    expect(await fx.findings.countByStatus([PRESENCE])).toEqual({ new: 4 });

    // The presence rule is removed, but another file is broken: it might be the rule, so nothing retires.
    rmSync(join(rulesDir, PRESENCE_FILE));
    writeFileSync(join(rulesDir, 'customer/broken.yaml'), 'id: [');
    const broken = await fx.service.run({ trigger: 'schedule' });
    expect(broken.status).toBe('complete');
    expect(await fx.findings.countByStatus([PRESENCE])).toEqual({ new: 4 });

    // A targeted or rule-scoped run never retires what it did not select.
    rmSync(join(rulesDir, 'customer/broken.yaml'));
    await fx.service.run({ trigger: 'api', ruleIds: [NAMES] });
    expect(await fx.findings.countByStatus([PRESENCE])).toEqual({ new: 4 });

    // A whole pack without it: its findings retire, and the run says so.
    const full = await fx.service.run({ trigger: 'schedule' });
    expect(full.resolvedTotal).toBe(0);
    expect(await fx.findings.countByStatus([PRESENCE])).toEqual({ retired: 4 });
    const [{ skipped }]: { skipped: unknown }[] = await fx.dataSource.query(
      `SELECT skipped FROM reconciliation_runs WHERE id = $1`,
      [full.runId],
    );
    expect(skipped).toEqual([
      { ruleId: PRESENCE, reason: 'not in the rule pack (removed or disabled): 4 active findings retired' },
    ]);
  });
});
