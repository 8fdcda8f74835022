import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FINDINGS_LIST_QUERY } from '../../../backend/src/modules/findings/findings-query';
import { customers, ReconciliationFixture, TEST_RULES_DIR } from './support/reconciliation-fixture';

const PRESENCE = 'customer.test-presence';
const NAMES = 'customer.test-legal-name';
const FAILING = 'customer.test-fails-at-runtime';
const SUFFIXES = 'customer.test-legal-name-suffixes';

// Reads the same systems as NAMES on the same key, so the run evaluates both in one fused query.
const SUFFIX_RULE = `id: ${SUFFIXES}
version: 3
description: The CRM's legal name equals the ERP's, company suffixes aside.
owner: test
severity: low
domain: customer
fix_policy: manual
kind: field_match
spec:
  entity: customer
  systems: [erp, crm]
  fields:
    - field: legal_name
      normalize: [company_suffix]
`;

// Valid SQL that ClickHouse only rejects while evaluating it (throwIf on a row the CRM holds).
const FAILING_RULE = `id: ${FAILING}
version: 1
description: Fails in ClickHouse on customer C0003.
owner: test
severity: low
domain: customer
fix_policy: manual
kind: custom_sql
spec:
  entity: customer
  sql: >-
    SELECT customer_number AS match_key FROM {{customer.crm}}
    WHERE throwIf(customer_number = 'C0003') = 0 AND customer_number != ''
`;

describe('rules evaluated in units: fused field comparisons, a rule failing in ClickHouse fails alone, merges behind', () => {
  let fx: ReconciliationFixture;
  let rulesDir: string;

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'dw-rules-'));
    cpSync(TEST_RULES_DIR, rulesDir, { recursive: true });
    writeFileSync(join(rulesDir, 'customer', `${FAILING}.yaml`), FAILING_RULE);
    writeFileSync(join(rulesDir, 'customer', `${SUFFIXES}.yaml`), SUFFIX_RULE);
    fx = await ReconciliationFixture.create(rulesDir);
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it('records the failure with its reason, merges and resolves the other rules, and fails the run', async () => {
    const erp = customers(50);
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot(
      'crm',
      erp.slice(0, 45).map((c, i) => {
        if (i < 3) return { ...c, legal_name: `${c.legal_name} GmbH` };
        return i === 3 ? { ...c, legal_name: `${c.legal_name} Trading` } : c;
      }),
    );
    const run = await fx.service.run({ trigger: 'api' });
    expect(run.status).toBe('failed');
    expect(run.ruleCounts[FAILING]).toMatchObject({ status: 'failed' });
    expect(run.ruleCounts[FAILING]?.reason).toMatch(
      /throwIf|FUNCTION_THROW_IF_VALUE_IS_NON_ZERO|Value passed to 'throwIf'/i,
    );
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 5, new: 5 });
    // The suffix is a difference for NAMES only; another word is one for both.
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 4, new: 4, fusedWith: [SUFFIXES] });
    expect(run.ruleCounts[SUFFIXES]).toMatchObject({ status: 'ran', findings: 1, new: 1, fusedWith: [NAMES] });
    const suffixed = await fx.findings.find(FINDINGS_LIST_QUERY.parse({ ruleId: SUFFIXES }), 10);
    expect(suffixed.map((f) => [f.matchKey, f.ruleId, f.expectedValue, f.actualValue])).toEqual([
      ['C0004', SUFFIXES, erp[3]?.legal_name, `${erp[3]?.legal_name} Trading`],
    ]);
    for (const id of [PRESENCE, NAMES, SUFFIXES]) {
      const outcome = run.ruleCounts[id];
      expect(outcome?.durationMs).toBe((outcome?.queryMs ?? NaN) + (outcome?.mergeMs ?? NaN));
    }
    expect(await fx.findings.countByStatus([PRESENCE, NAMES, SUFFIXES])).toEqual({ new: 10 });
    const [stored] = await fx.dataSource.query(`SELECT status, error FROM reconciliation_runs WHERE id = $1`, [
      run.runId,
    ]);
    expect(stored.status).toBe('failed');
    expect(stored.error).toContain(FAILING);

    // Fixed in the CRM: the rules that ran resolve what they no longer see.
    await fx.completeSnapshot('crm', erp.slice(0, 45));
    const next = await fx.service.run({ trigger: 'api' });
    expect(next.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 0 });
    expect(await fx.findings.countByStatus([NAMES, SUFFIXES])).toEqual({ resolved: 5 });
  });
});
