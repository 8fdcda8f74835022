/**
 * Builds every system's store from the generator: maps each customer into each system's vocabulary,
 * lets the drift injector spoil some copies (logging ground truth), and loads each table in
 * modification order (incremental exports rely on that order).
 */
import { generateCustomer, type GeneratorOptions } from '../generator/estate-generator';
import { DriftInjector, type CustomerCopies } from '../drift/drift-injector';
import type { DriftScenario } from '../drift/drift-scenario';
import type { GroundTruthLog } from '../drift/ground-truth-log';
import { crmCopyOf, type SalesforceStore } from '../systems/crm/salesforce.store';
import type { SfRecord } from '../systems/crm/salesforce-schema';
import { erpCopyOf, type DynamicsStore, type ErpRecord } from '../systems/erp/dynamics.store';
import {
  supportCopyOf,
  type ZendeskOrganization,
  type ZendeskStore,
  type ZendeskTicket,
} from '../systems/support/zendesk.store';
import { wmsShipmentOf, type WmsShipment, type WmsStore } from '../systems/wms/wms.store';

export interface EstateStores {
  crm: SalesforceStore;
  erp: DynamicsStore;
  wms: WmsStore;
  support: ZendeskStore;
}

type Staged<R> = { record: R; modifiedAt: number }[];

const byTime = <R>(a: { modifiedAt: number; record: R }, b: { modifiedAt: number; record: R }) =>
  a.modifiedAt - b.modifiedAt;

/** Copies of one customer in every system before drift. */
export function copiesOf(gen: GeneratorOptions, index: number): CustomerCopies {
  const truth = generateCustomer(gen, index);
  return {
    truth,
    crm: crmCopyOf(truth),
    crmDuplicates: [],
    erp: erpCopyOf(truth),
    wms: truth.orders.map((o) => wmsShipmentOf(truth, o)).filter((s): s is NonNullable<typeof s> => s !== null),
    support: supportCopyOf(truth),
  };
}

/** `only` limits which systems' stores are filled (a process serving one system needs only its own). */
export function buildEstate(
  gen: GeneratorOptions,
  customers: number,
  scenario: DriftScenario,
  log: GroundTruthLog,
  stores: EstateStores,
  only: ReadonlySet<keyof EstateStores> = new Set(['crm', 'erp', 'wms', 'support']),
): void {
  const injector = new DriftInjector(scenario, gen.epoch, log);
  const crm = { Account: [] as Staged<SfRecord>, Contact: [] as Staged<SfRecord>, Opportunity: [] as Staged<SfRecord> };
  const erp = {
    CustomersV3: [] as Staged<ErpRecord>,
    CustomerCreditLimits: [] as Staged<ErpRecord>,
    SalesOrderHeadersV2: [] as Staged<ErpRecord>,
  };
  const wms: Staged<WmsShipment> = [];
  const orgs: Staged<ZendeskOrganization> = [];
  const tickets: Staged<ZendeskTicket> = [];

  for (let i = 0; i < customers; i++) {
    const c = copiesOf(gen, i);
    injector.apply(c);
    if (c.crm && only.has('crm')) {
      crm.Account.push({ record: c.crm.account, modifiedAt: c.crm.accountModifiedAt });
      crm.Contact.push(...c.crm.contacts);
      crm.Opportunity.push(...c.crm.opportunities);
    }
    if (only.has('crm')) crm.Account.push(...c.crmDuplicates);
    if (c.erp && only.has('erp')) {
      erp.CustomersV3.push({ record: c.erp.customer, modifiedAt: c.erp.modifiedAt });
      erp.CustomerCreditLimits.push({ record: c.erp.credit, modifiedAt: c.erp.modifiedAt });
      erp.SalesOrderHeadersV2.push(...c.erp.orders);
    }
    if (only.has('wms')) wms.push(...c.wms);
    if (c.support && only.has('support')) {
      orgs.push({ record: c.support.organization, modifiedAt: c.support.modifiedAt });
      tickets.push(...c.support.tickets);
    }
  }
  log.flush();

  for (const [object, rows] of Object.entries(crm)) {
    rows.sort(byTime);
    for (const r of rows) stores.crm.put(object, r.record, r.modifiedAt, false, true);
    rows.length = 0;
  }
  for (const [entity, rows] of Object.entries(erp)) {
    rows.sort(byTime);
    for (const r of rows) stores.erp.put(entity, r.record, r.modifiedAt, false);
    rows.length = 0;
  }
  wms.sort(byTime);
  for (const r of wms) stores.wms.put(r.record, r.modifiedAt, false);
  orgs.sort(byTime);
  for (const r of orgs) stores.support.putOrganization(r.record, r.modifiedAt, false);
  tickets.sort(byTime);
  for (const r of tickets) stores.support.putTicket(r.record, r.modifiedAt, false);
}
