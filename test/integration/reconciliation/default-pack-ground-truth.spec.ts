import { join } from 'node:path';
import { ERP_ORDER_STATUS, type GroundTruthEntry, type RunningEstate } from '@driftwatch/demo-estate';
import { DEFAULT_RULES_DIR, durationSeconds, loadRules } from '@driftwatch/reconciliation-rules';
import { loadConnectorsConfig } from '../../../backend/src/connectors/config/connectors-config';
import { createConnector } from '../../../backend/src/connectors/connector-factory';
import type { EntityKind } from '../../../backend/src/connectors/canonical-model';
import { DEMO_SNAPSHOTS, demoConnectorsEnv } from '../../e2e/support/demo-environment';
import { startClosedLoop, type ClosedLoop } from '../support/closed-loop';

const DEMO_CONFIG = join(__dirname, '../../../infra/local/demo-connectors.yaml');
// Another estate to score on: GT_SEED=7 GT_CUSTOMERS=8000 npx jest … default-pack-ground-truth.
const CUSTOMERS = Number(process.env.GT_CUSTOMERS ?? 4000);
const SEED = Number(process.env.GT_SEED ?? 42);

/** Rules whose findings are checks of policy, not drift between systems: the log has nothing to score them by. */
const POLICY_RULES = ['credit.hold-with-open-crm-orders'];
/** Rules whose findings follow from other drift (an order missing from one system moves a total): precision only. */
const DERIVED_RULES = ['credit.open-order-exposure'];
/**
 * Drift the default pack leaves alone (what the log holds that no finding names): order.presence
 * asks the CRM for confirmed orders only, while the estate's integration copies drafts too.
 */
const UNCOVERED = ['draft order missing in crm'];

/** The customer-rule and column a logged field drift shows in (the log names some fields its own way). */
const CUSTOMER_FIELDS: Record<string, [string, string]> = {
  phone: ['customer.contact-channels-match', 'phone'],
  billing_city: ['customer.billing-address-match', 'billing_address_city'],
  billing_postal_code: ['customer.billing-address-match', 'billing_address_postal_code'],
  legal_name: ['customer.legal-identity-match', 'legal_name'],
  tax_id: ['customer.legal-identity-match', 'tax_id'],
};

interface FindingRow {
  rule_id: string;
  kind: string;
  match_key: string;
  field: string;
  expected_value: string;
  actual_value: string;
}

/** What the log says each rule must find (`required`) and may find (`allowed`), by the key its findings carry. */
class Expectations {
  readonly required = new Map<string, Set<string>>();
  readonly allowed = new Map<string, Set<string>>();
  readonly uncovered = new Map<string, number>();
  /** When the latest logged drift behind each required rule and key happened (ms). */
  private readonly loggedAt = new Map<string, number>();
  private entryAt = 0;

  /** The log entry whose expectations follow. */
  entry(e: GroundTruthEntry): void {
    this.entryAt = Date.parse(e.time);
  }

  require(rule: string, key: string): void {
    this.required.set(rule, (this.required.get(rule) ?? new Set()).add(key));
    const id = `${rule}\u0000${key}`;
    this.loggedAt.set(id, Math.max(this.loggedAt.get(id) ?? 0, this.entryAt));
  }

  /**
   * Drift logged within a rule's settle time before the run may still be on its way as far as the rule
   * can tell (the run holds it when the owner's record is the newer one): allowed, no longer required.
   * Returns how many moved.
   */
  settling(settleMs: ReadonlyMap<string, number>, runAt: number): number {
    let moved = 0;
    for (const [rule, keys] of this.required) {
      const settle = settleMs.get(rule);
      if (settle === undefined) continue;
      for (const key of keys) {
        if ((this.loggedAt.get(`${rule}\u0000${key}`) ?? 0) < runAt - settle) continue;
        keys.delete(key);
        this.allow(rule, key);
        moved += 1;
      }
    }
    return moved;
  }

  allow(rule: string, key: string | undefined): void {
    if (key) this.allowed.set(rule, (this.allowed.get(rule) ?? new Set()).add(key));
  }

  notCovered(what: string): void {
    this.uncovered.set(what, (this.uncovered.get(what) ?? 0) + 1);
  }
}

/** Order number and contact email → ERP customer number, as either system holds them. */
function ownersOf(estate: RunningEstate): { orderCustomer: Map<string, string>; contactCustomer: Map<string, string> } {
  const { crm, erp } = estate.stores;
  const numberOfAccount = (id: unknown) => crm.accounts.get(String(id))?.record.ERP_Customer_Number__c as string;
  const orderCustomer = new Map<string, string>();
  for (const { record } of crm.opportunities.rowsInOrder())
    orderCustomer.set(String(record.ERP_Order_Number__c), numberOfAccount(record.AccountId));
  for (const { record } of erp.table('SalesOrderHeadersV2').rowsInOrder())
    orderCustomer.set(String(record.SalesOrderNumber), String(record.OrderingCustomerAccountNumber));
  const contactCustomer = new Map<string, string>();
  for (const { record } of crm.contacts.rowsInOrder())
    contactCustomer.set(String(record.Email), numberOfAccount(record.AccountId));
  for (const { record } of erp.table('CDSContactPersonsV2').rowsInOrder())
    contactCustomer.set(String(record.PrimaryEmailAddress), String(record.AssociatedContactNumber));
  return { orderCustomer, contactCustomer };
}

function expectationsOf(truth: readonly GroundTruthEntry[], estate: RunningEstate): Expectations {
  const { orderCustomer, contactCustomer } = ownersOf(estate);
  const x = new Expectations();
  const missingOrders = new Set(truth.filter((e) => e.kind === 'missing' && e.entity === 'order').map((e) => e.key));
  const draft = ERP_ORDER_STATUS.draft;
  const draftOrders = new Set(
    [...estate.stores.erp.table('SalesOrderHeadersV2').rowsInOrder()]
      .filter(
        (r) => r.record.SalesOrderStatus === draft.status && r.record.SalesOrderProcessingStatus === draft.processing,
      )
      .map((r) => String(r.record.SalesOrderNumber)),
  );
  for (const e of truth) {
    const { key } = e;
    x.entry(e);
    const exposure = () =>
      x.allow('credit.open-order-exposure', `${e.entity === 'order' ? orderCustomer.get(key) : key} open_order_value`);
    switch (`${e.kind} ${e.entity} ${e.system}`) {
      case 'field_edit customer crm':
      case 'not_propagated customer crm':
      case 'field_edit customer erp':
      case 'not_propagated customer erp': {
        // ERP-owned fields drift in the CRM's copy; the CRM-owned phone in the ERP's.
        const [rule, field] = CUSTOMER_FIELDS[e.field ?? ''] ?? [`no rule for customer ${e.field}`, ''];
        x.require(rule, `${key} ${field}`);
        break;
      }
      case 'field_edit credit_profile crm':
      case 'not_propagated credit_profile crm':
        x.require('credit.terms-and-limit-match', `${key} ${e.field}`);
        break;
      case 'credit_hold_not_in_crm credit_profile crm':
        x.require('credit.hold-visibility', `${key} credit_hold`);
        break;
      case 'hierarchy_change customer crm':
        x.require('customer.hierarchy', `${key} parent`);
        break;
      case 'orphan_parent customer crm':
      case 'orphan_parent customer erp':
        // The child's own record, by its key in that system; it no longer agrees on its parent either.
        x.require('customer.parent-orphans', `${e.sourceKey} parent_key`);
        x.allow('customer.hierarchy', `${key} parent`);
        break;
      case 'missing customer crm':
      case 'orphan customer crm':
        x.require('customer.presence', `${key} `);
        if (e.kind === 'missing') x.require('credit.profile-presence', `${key} `);
        exposure();
        break;
      case 'missing customer support':
      case 'orphan customer support':
        x.require('customer.support-presence', `${key} `);
        break;
      case 'missing contact crm':
        // A contact gone from the CRM with its customer: the customer's absence is the finding.
        x.require('customer.presence', `${contactCustomer.get(key)} `);
        break;
      case 'orphan contact erp':
        // Gone from the ERP with its customer, still in the CRM that owns contacts.
        x.require('contact.presence', `${key} `);
        x.require('customer.presence', `${contactCustomer.get(key)} `);
        break;
      case 'missing order crm':
        if (draftOrders.has(key)) x.notCovered('draft order missing in crm');
        else x.require('order.presence', `${key} `);
        // A status change that never reached the CRM, as the order never did.
        x.allow('order.status-propagation-sla', `${key} status`);
        exposure();
        break;
      case 'orphan order crm':
        x.require('order.presence', `${key} `);
        exposure();
        break;
      case 'missing shipment crm':
        // The shipment of an order the CRM lacks altogether: the order's absence is the finding.
        if (missingOrders.has(key)) x.require('order.presence', `${key} `);
        else x.notCovered('missing shipment in crm');
        x.allow('order.shipment-milestone-sla', `${key} milestone`);
        break;
      case 'orphan shipment wms':
        // By the shipment's own id: the rule names the child record.
        x.require('order.shipment-orphans', `${e.sourceKey} order_number`);
        break;
      case 'not_propagated shipment crm':
        x.require('order.shipment-milestone-match', `${key} milestone`);
        x.allow('order.shipment-milestone-match', `${key} milestone_at`);
        x.allow('order.shipment-milestone-sla', `${key} milestone`);
        break;
      case 'late_propagation shipment crm':
        // Arrived late: a breach in the route's SLA figures; a finding only while it was still missing.
        x.allow('order.shipment-milestone-sla', `${key} milestone`);
        break;
      case 'order_status_stuck order crm':
        x.require('order.status-match', `${key} status`);
        x.allow('order.status-propagation-sla', `${key} status`);
        exposure();
        break;
      case 'late_propagation order crm':
        x.allow('order.status-propagation-sla', `${key} status`);
        break;
      case 'duplicate customer crm':
        x.require('customer.duplicates', String(e.sourceKey));
        // A duplicate that kept the customer number is compared with the ERP customer as well.
        x.allow('customer.legal-identity-match', `${key} legal_name`);
        x.allow('customer.billing-address-match', `${key} billing_address_line1`);
        x.allow('customer.billing-address-match', `${key} billing_address_line2`);
        break;
      case 'contact_not_propagated contact erp':
        if (e.variation === 'never_created') x.require('contact.presence', `${key} `);
        else x.require('contact.fields-match', `${key} ${e.field}`);
        break;
      default:
        x.require(`no rule for ${e.kind} ${e.entity} ${e.system}`, key);
    }
  }
  return x;
}

/** The key a finding is scored by: its record and field; a duplicate pair by its duplicate's id. */
function keysOf(row: FindingRow, duplicates: ReadonlySet<string>): string[] {
  if (row.rule_id === 'customer.duplicates') {
    const ids = [row.expected_value, row.actual_value];
    const logged = ids.filter((id) => duplicates.has(id));
    return logged.length > 0 ? logged : [row.match_key];
  }
  // A presence finding has no field (''), a field finding its column, an orphan its reference.
  return [`${row.match_key} ${row.field}`];
}

interface RuleScore {
  rule: string;
  findings: number;
  expected: number;
  found: number;
  precision: number;
  recall: number;
  /** Findings the log does not explain, and logged drift not found (a few of each, for the failure message). */
  unexplained: string[];
  missed: string[];
}

/**
 * The default rule pack scored against the demo estate's ground-truth log (issue "Reconciliation":
 * precision and recall against the log, exact-match rules 100 % / 100 %, duplicates ≥ 95 % / ≥ 90 %).
 * The estate runs the default drift scenario; every demo snapshot goes through the demo's own
 * connectors (infra/local/demo-connectors.yaml) over HTTP into ClickHouse, and one full run of the
 * whole pack follows. Each finding is matched to a logged drift by record and field: precision is the
 * share of a rule's findings the log explains, recall the share of the log's drift a rule must find
 * that it found. Drift no rule of the pack can see is listed (UNCOVERED), not hidden.
 */
describe('the default pack against the demo estate ground-truth log', () => {
  let loop: ClosedLoop;
  let estate: RunningEstate;

  beforeAll(async () => {
    loop = await startClosedLoop({
      estate: { customers: CUSTOMERS, seed: SEED, scenario: 'default' },
      connectors: (e) => loadConnectorsConfig(DEMO_CONFIG, demoConnectorsEnv(e)).map((c) => createConnector(c)),
      rulesDir: DEFAULT_RULES_DIR,
    });
    estate = loop.estate;
  }, 300_000);

  afterAll(async () => {
    await loop?.stop();
  });

  it('finds exactly the logged drift: every exact rule at precision and recall 1, duplicates ≥ 0.95 / 0.9', async () => {
    const connectorsOf = new Map<EntityKind, string[]>();
    for (const [connectorId, entity] of DEMO_SNAPSHOTS)
      connectorsOf.set(entity, [...(connectorsOf.get(entity) ?? []), connectorId]);
    for (const [entity, connectorIds] of connectorsOf) await loop.snapshot(entity, connectorIds);
    const runAt = Date.now();
    const run = await loop.reconciliation.run({ trigger: 'api' });
    expect(run.status).toBe('complete');

    const truth = estate.groundTruth();
    const expectations = expectationsOf(truth, estate);
    const settleMs = new Map(
      loadRules(DEFAULT_RULES_DIR).rules.flatMap(({ rule: r }) =>
        'settle' in r.spec && r.spec.settle !== undefined
          ? [[r.id, durationSeconds(r.spec.settle) * 1000] as const]
          : [],
      ),
    );
    const settling = expectations.settling(settleMs, runAt);
    const duplicates = expectations.required.get('customer.duplicates') ?? new Set<string>();
    const rows: FindingRow[] = await loop.dataSource.query(
      `SELECT rule_id, kind, match_key, field, expected_value, actual_value FROM findings
       WHERE status IN ('new', 'open', 'reopened')`,
    );
    const foundBy = new Map<string, Set<string>>();
    for (const row of rows)
      for (const key of keysOf(row, duplicates))
        foundBy.set(row.rule_id, (foundBy.get(row.rule_id) ?? new Set()).add(key));

    const scored = [...new Set([...foundBy.keys(), ...expectations.required.keys()])]
      .filter((rule) => !POLICY_RULES.includes(rule))
      .sort();
    const scores: RuleScore[] = scored.map((rule) => {
      const found = foundBy.get(rule) ?? new Set<string>();
      const required = expectations.required.get(rule) ?? new Set<string>();
      const allowed = expectations.allowed.get(rule) ?? new Set<string>();
      const explained = [...found].filter((k) => required.has(k) || allowed.has(k));
      const hit = [...required].filter((k) => found.has(k));
      return {
        rule,
        findings: found.size,
        expected: required.size,
        found: hit.length,
        precision: found.size === 0 ? 1 : explained.length / found.size,
        recall: required.size === 0 ? 1 : hit.length / required.size,
        unexplained: [...found].filter((k) => !required.has(k) && !allowed.has(k)).slice(0, 5),
        missed: [...required].filter((k) => !found.has(k)).slice(0, 5),
      };
    });
    process.stdout.write(
      `${[
        `ground truth: ${truth.length} entries, ${CUSTOMERS} customers, seed ${SEED}; not covered by the pack: ${JSON.stringify([...expectations.uncovered])}; ` +
          `logged within a rule's settle time before the run (allowed, not required): ${settling}`,
        ...scores.map(
          (s) =>
            `${s.rule.padEnd(36)} findings ${String(s.findings).padStart(4)}  expected ${String(s.expected).padStart(4)}  found ${String(s.found).padStart(4)}  precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}` +
            (s.unexplained.length ? `\n    unexplained: ${s.unexplained.join('; ')}` : '') +
            (s.missed.length ? `\n    missed: ${s.missed.join('; ')}` : ''),
        ),
      ].join('\n')}\n`,
    );

    // A logged drift kind without a scoring case, or a finding no rule of the pack should make.
    expect(scores.filter((s) => s.rule.startsWith('no rule'))).toEqual([]);
    expect([...expectations.uncovered.keys()].sort()).toEqual(
      UNCOVERED.filter((what) => expectations.uncovered.has(what)).sort(),
    );
    for (const s of scores) {
      if (s.rule === 'customer.duplicates') {
        expect([s.rule, s.precision >= 0.95, s.recall >= 0.9]).toEqual([s.rule, true, true]);
      } else if (DERIVED_RULES.includes(s.rule)) {
        expect([s.rule, s.precision]).toEqual([s.rule, 1]);
      } else {
        expect([s.rule, s.precision, s.recall]).toEqual([s.rule, 1, 1]);
      }
    }
    // Enough drift of each kind to score by: the default scenario's shares at this size.
    expect(scores.find((s) => s.rule === 'customer.presence')?.expected).toBeGreaterThan(3);
    expect(scores.find((s) => s.rule === 'customer.duplicates')?.expected).toBeGreaterThan(5);
  }, 600_000);
});
