import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customers, ReconciliationFixture, TEST_RULES_DIR } from './support/reconciliation-fixture';

const PRESENCE = 'customer.test-presence';
const NAMES = 'customer.test-legal-name';
const FAILING = 'customer.test-fails-at-runtime';

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

describe('a rule that fails in ClickHouse fails alone, while the others are merged behind it', () => {
  let fx: ReconciliationFixture;
  let rulesDir: string;

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'dw-rules-'));
    cpSync(TEST_RULES_DIR, rulesDir, { recursive: true });
    writeFileSync(join(rulesDir, 'customer', `${FAILING}.yaml`), FAILING_RULE);
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
      erp.slice(0, 45).map((c, i) => (i < 3 ? { ...c, legal_name: `${c.legal_name} GmbH` } : c)),
    );
    const run = await fx.service.run({ trigger: 'api' });
    expect(run.status).toBe('failed');
    expect(run.ruleCounts[FAILING]).toMatchObject({ status: 'failed' });
    expect(run.ruleCounts[FAILING]?.reason).toMatch(
      /throwIf|FUNCTION_THROW_IF_VALUE_IS_NON_ZERO|Value passed to 'throwIf'/i,
    );
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 5, new: 5 });
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 3, new: 3 });
    for (const id of [PRESENCE, NAMES]) {
      const outcome = run.ruleCounts[id];
      expect(outcome?.durationMs).toBe((outcome?.queryMs ?? NaN) + (outcome?.mergeMs ?? NaN));
    }
    expect(await fx.findings.countByStatus([PRESENCE, NAMES])).toEqual({ new: 8 });
    const [stored] = await fx.dataSource.query(`SELECT status, error FROM reconciliation_runs WHERE id = $1`, [
      run.runId,
    ]);
    expect(stored.status).toBe('failed');
    expect(stored.error).toContain(FAILING);

    // Fixed in the CRM: the rules that ran resolve what they no longer see.
    await fx.completeSnapshot('crm', erp.slice(0, 45));
    const next = await fx.service.run({ trigger: 'api' });
    expect(next.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 0 });
    expect(await fx.findings.countByStatus([NAMES])).toEqual({ resolved: 3 });
  });
});
