/**
 * Builds every system's store from the generator: maps each customer into each system's vocabulary,
 * lets the drift injector spoil some copies (logging ground truth), and puts each table in
 * modification order (incremental exports rely on that order).
 */
import { generateCustomer, type GeneratorOptions } from '../generator/estate-generator';
import { DriftInjector, type CustomerCopies } from '../drift/drift-injector';
import type { DriftScenario } from '../drift/drift-scenario';
import type { GroundTruthLog } from '../drift/ground-truth-log';
import { crmCopyOf, type SalesforceStore } from '../systems/crm/salesforce.store';
import type { RecordTable } from '../store/record-table';
import { erpCopyOf, type DynamicsStore } from '../systems/erp/dynamics.store';
import { supportCopyOf, type ZendeskStore } from '../systems/support/zendesk.store';
import { wmsShipmentOf, type WmsStore } from '../systems/wms/wms.store';

export interface EstateStores {
  crm: SalesforceStore;
  erp: DynamicsStore;
  wms: WmsStore;
  support: ZendeskStore;
}

/** Copies of one customer in every system before drift. */
export function copiesOf(gen: GeneratorOptions, index: number): CustomerCopies {
  const truth = generateCustomer(gen, index);
  return {
    truth,
    crm: crmCopyOf(truth, gen),
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
  const crm = only.has('crm') ? stores.crm : null;
  const erp = only.has('erp') ? stores.erp : null;
  const wms = only.has('wms') ? stores.wms : null;
  const support = only.has('support') ? stores.support : null;
  // Each record goes straight into its table in generation order (encoded, off the heap); every
  // table is put in modification order once at the end, so nothing is staged as live objects.
  for (let i = 0; i < customers; i++) {
    const c = copiesOf(gen, i);
    injector.apply(c);
    if (crm) {
      if (c.crm) {
        crm.put('Account', c.crm.account, c.crm.accountModifiedAt, false, true);
        for (const r of c.crm.contacts) crm.put('Contact', r.record, r.modifiedAt, false, true);
        for (const r of c.crm.opportunities) crm.put('Opportunity', r.record, r.modifiedAt, false, true);
        for (const r of c.crm.shipments) crm.put('Shipment__c', r.record, r.modifiedAt, false, true);
      }
      for (const r of c.crmDuplicates) crm.put('Account', r.record, r.modifiedAt, false, true);
    }
    if (erp && c.erp) {
      erp.put('CustomersV3', c.erp.customer, c.erp.modifiedAt, false);
      for (const r of c.erp.orders) erp.put('SalesOrderHeadersV2', r.record, r.modifiedAt, false);
      for (const r of c.erp.contacts) erp.put('CDSContactPersonsV2', r.record, r.modifiedAt, false);
    }
    if (wms) for (const r of c.wms) wms.put(r.record, r.modifiedAt, false);
    if (support && c.support) {
      support.putOrganization(c.support.organization, c.support.modifiedAt, false);
      for (const r of c.support.tickets) support.putTicket(r.record, r.modifiedAt, false);
    }
  }
  log.flush();
  for (const table of tablesOf(stores)) table.sortByModification();
}

/** Every table of every system. */
export function tablesOf(stores: EstateStores): RecordTable<object>[] {
  return [
    stores.crm.accounts,
    stores.crm.contacts,
    stores.crm.opportunities,
    stores.crm.shipments,
    ...stores.erp.tables.values(),
    stores.wms.shipments,
    stores.support.organizations,
    stores.support.tickets,
  ] as unknown as RecordTable<object>[];
}
