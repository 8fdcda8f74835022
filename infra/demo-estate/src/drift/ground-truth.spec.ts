import { startEstate, type RunningEstate } from '../estate/estate';
import { DRIFT_KINDS, parseScenario } from './drift-scenario';
import type { GroundTruthEntry } from './ground-truth-log';
import {
  CRM_MILESTONE,
  CRM_ORDER_STATUS,
  ORDER_STATUS_PROPAGATION_SECONDS,
  SHIPMENT_PROPAGATION_SECONDS,
} from '../systems/crm/salesforce.store';
import { ERP_ORDER_STATUS, erpIsOnHold } from '../systems/erp/dynamics.store';
import { PAYMENT_TERMS } from '../generator/reference-data';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const scenario = parseScenario({
  name: 'test',
  seed: 5,
  slaSeconds: 1800,
  rates: Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0.025])),
});
const CRM_TERMS = new Map(Object.values(PAYMENT_TERMS).map((t) => [t.erp, t.crm]));
const digits = (s: unknown) => (typeof s === 'string' ? s.replace(/\D/g, '') : '');
const sfTime = (value: unknown) => Date.parse(String(value).replace('+0000', 'Z'));
/** The WMS shipment's current milestone as the CRM names it, and when the WMS recorded it. */
const lastMilestone = (s: Rec) => ({
  label: CRM_MILESTONE[s.status as keyof typeof CRM_MILESTONE],
  at: Date.parse(s.milestones[s.milestones.length - 1].at),
});
const statusOfErp = (o: Rec) =>
  (Object.entries(ERP_ORDER_STATUS) as [keyof typeof CRM_ORDER_STATUS, { status: string; processing: string }][]).find(
    ([, v]) => v.status === o.SalesOrderStatus && v.processing === o.SalesOrderProcessingStatus,
  )![0];

/** Reads the estate back through the vendors' APIs only, the way a connector would. */
async function readEverything(estate: RunningEstate) {
  const crmToken = (
    await (
      await fetch(estate.crm.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: estate.crm.clientId,
          client_secret: estate.crm.clientSecret,
        }),
      })
    ).json()
  ).access_token;
  const erpToken = (
    await (
      await fetch(estate.erp.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: estate.erp.clientId,
          client_secret: estate.erp.clientSecret,
        }),
      })
    ).json()
  ).access_token;
  const soql = async (q: string) => {
    const out: Rec[] = [];
    let url: string | undefined = `/services/data/v60.0/query?q=${encodeURIComponent(q)}`;
    while (url) {
      const body: Rec = await (
        await fetch(`${estate.crm.baseUrl}${url}`, { headers: { Authorization: `Bearer ${crmToken}` } })
      ).json();
      out.push(...body.records);
      url = body.nextRecordsUrl;
    }
    return out;
  };
  const odata = async (entity: string) => {
    const out: Rec[] = [];
    let url: string | undefined = `${estate.erp.baseUrl}/data/${entity}?cross-company=true`;
    while (url) {
      const body: Rec = await (await fetch(url, { headers: { Authorization: `Bearer ${erpToken}` } })).json();
      out.push(...body.value);
      url = body['@odata.nextLink'];
    }
    return out;
  };
  const wms: Rec[] = [];
  let cursor: string | null = null;
  do {
    const body: Rec = await (
      await fetch(`${estate.wms.baseUrl}/api/v1/shipments?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: { Authorization: `Bearer ${estate.wms.apiKey}` },
      })
    ).json();
    wms.push(...body.data);
    cursor = body.next_cursor;
  } while (cursor);
  const orgs: Rec[] = [];
  let zdUrl: string | null = '/api/v2/incremental/organizations?start_time=0';
  const zdAuth = { Authorization: `Bearer ${estate.support.apiToken}` };
  while (zdUrl) {
    const body: Rec = await (await fetch(`${estate.support.baseUrl}${zdUrl}`, { headers: zdAuth })).json();
    orgs.push(...body.organizations);
    zdUrl = body.end_of_stream ? null : `/api/v2/incremental/organizations?cursor=${body.after_cursor}`;
  }
  return {
    accounts: await soql(
      'SELECT Id, Name, ERP_Customer_Number__c, ParentId, BillingStreet, BillingCity, BillingPostalCode, Phone, Tax_Id__c, Payment_Terms__c, Credit_Limit__c, Credit_Hold__c, Account_Status__c FROM Account',
    ),
    opportunities: await soql(
      'SELECT Id, ERP_Order_Number__c, Order_Status__c, Order_Status_Changed__c FROM Opportunity',
    ),
    crmShipments: await soql(
      'SELECT Id, Name, Opportunity__r.ERP_Order_Number__c, Milestone__c, Milestone_Date__c, Tracking_Number__c, LastModifiedDate FROM Shipment__c',
    ),
    contacts: await soql('SELECT Id, AccountId, Email, FirstName, LastName, Phone, Title FROM Contact'),
    customers: await odata('CustomersV3'),
    contactPersons: await odata('CDSContactPersonsV2'),
    orders: await odata('SalesOrderHeadersV2'),
    shipments: wms,
    organizations: orgs,
  };
}

describe('drift injection and its ground truth', () => {
  let estate: RunningEstate;
  let log: readonly GroundTruthEntry[];
  let data: Awaited<ReturnType<typeof readEverything>>;

  beforeAll(async () => {
    estate = await startEstate({ customers: 3000, seed: 21, epoch: Date.UTC(2026, 10, 1), scenario });
    log = estate.groundTruth();
    data = await readEverything(estate);
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('injects every kind of drift at roughly the configured rate', () => {
    for (const kind of DRIFT_KINDS) {
      const keys = new Set(
        log.filter((e) => e.kind === kind && e.entity !== 'order' && e.entity !== 'shipment').map((e) => e.key),
      );
      const orderKeys = new Set(log.filter((e) => e.kind === kind).map((e) => e.key));
      expect({ kind, n: Math.max(keys.size, orderKeys.size) > 20 }).toEqual({ kind, n: true });
    }
    for (const e of log)
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['system', 'entity', 'key', 'field', 'kind', 'time']));
  });

  it('is deterministic: the same options give the same ground truth', async () => {
    const again = await startEstate({ customers: 3000, seed: 21, epoch: Date.UTC(2026, 10, 1), scenario });
    try {
      expect(again.groundTruth()).toEqual(log);
    } finally {
      await again.stop();
    }
  });

  it('every logged drift is visible through the vendor APIs', () => {
    const accountsById = new Map(data.accounts.map((a) => [a.Id, a]));
    const accountsByNumber = new Map<string, Rec[]>();
    for (const a of data.accounts)
      if (a.ERP_Customer_Number__c)
        accountsByNumber.set(a.ERP_Customer_Number__c, [...(accountsByNumber.get(a.ERP_Customer_Number__c) ?? []), a]);
    const oppsById = new Map(data.opportunities.map((o) => [o.Id, o]));
    const oppsByNumber = new Map(data.opportunities.map((o) => [o.ERP_Order_Number__c, o]));
    const customers = new Map(data.customers.map((c) => [c.CustomerAccount, c]));
    const orders = new Map(data.orders.map((o) => [o.SalesOrderNumber, o]));
    const shipments = new Map(data.shipments.map((s) => [s.id, s]));
    const shipmentsByOrder = new Map(data.shipments.map((s) => [s.order_number, s]));
    const crmShipmentsById = new Map(data.crmShipments.map((s) => [s.Id, s]));
    const crmShipmentOrders = new Set(
      data.crmShipments.map((s): string => s.Opportunity__r?.ERP_Order_Number__c as string),
    );
    const orgsByNumber = new Set(data.organizations.map((o): string => o.external_id as string));
    const crmContacts = new Map(data.contacts.map((c) => [c.Email, c]));
    const erpContacts = new Map(data.contactPersons.map((c) => [c.PrimaryEmailAddress, c]));

    // Phone drift lives in the ERP's copy (the CRM owns phones): the ERP holds `actual`, the CRM `expected`.
    const expectErpPhoneDrift = (e: GroundTruthEntry, where: string) => {
      const c = customers.get(e.sourceKey)!;
      const a = accountsByNumber.get(e.key)![0];
      expect([where, e.field, c[e.sourceField!]]).toEqual([where, 'phone', e.actual]);
      expect([where, digits(a.Phone).slice(-7)]).toEqual([where, digits(e.expected).slice(-7)]);
      expect(e.actual).not.toEqual(e.expected);
    };
    for (const e of log) {
      const where = `${e.kind} ${e.system} ${e.entity} ${e.key} ${e.field ?? ''}`;
      switch (e.kind) {
        case 'field_edit':
        case 'hierarchy_change': {
          if (e.system === 'erp') {
            // An edit of the CRM-owned phone in the ERP's copy.
            expectErpPhoneDrift(e, where);
            break;
          }
          const a = accountsById.get(e.sourceKey);
          expect([where, a?.[e.sourceField!]]).toEqual([where, e.actual]);
          expect(e.actual).not.toEqual(e.expected);
          break;
        }
        case 'not_propagated': {
          if (e.entity === 'shipment') {
            // The WMS moved on; the CRM kept the milestone before, with its time.
            const crm = crmShipmentsById.get(e.sourceKey)!;
            const wms = lastMilestone(shipmentsByOrder.get(e.key)!);
            expect([where, crm.Milestone__c, wms.label]).toEqual([where, e.actual, e.expected]);
            expect([where, sfTime(crm.Milestone_Date__c) < wms.at]).toEqual([where, true]);
            break;
          }
          if (e.system === 'erp') {
            // The CRM changed its phone; the ERP kept the old one.
            expectErpPhoneDrift(e, where);
            break;
          }
          const a = accountsById.get(e.sourceKey)!;
          const c = customers.get(e.key)!;
          expect([where, a[e.sourceField!]]).toEqual([where, e.actual]);
          const erpValue =
            e.field === 'phone'
              ? digits(c.PrimaryContactPhone).slice(-7)
              : e.field === 'billing_city'
                ? c.AddressCity
                : CRM_TERMS.get(c.PaymentTerms);
          const expected = e.field === 'phone' ? digits(e.expected).slice(-7) : e.expected;
          expect([where, erpValue]).toEqual([where, expected]);
          break;
        }
        case 'credit_hold_not_in_crm':
          expect([where, customers.get(e.key)?.OnHoldStatus, accountsById.get(e.sourceKey)?.Credit_Hold__c]).toEqual([
            where,
            'Invoice',
            false,
          ]);
          break;
        case 'order_status_stuck': {
          const o = orders.get(e.key)!;
          expect([where, CRM_ORDER_STATUS[statusOfErp(o)], oppsById.get(e.sourceKey)?.Order_Status__c]).toEqual([
            where,
            e.expected,
            e.actual,
          ]);
          break;
        }
        case 'late_propagation': {
          if (e.entity === 'shipment') {
            // The CRM holds the WMS milestone and its time, but got it delaySeconds late.
            const crm = crmShipmentsById.get(e.sourceKey)!;
            const wms = lastMilestone(shipmentsByOrder.get(e.key)!);
            expect([where, crm.Milestone__c, sfTime(crm.Milestone_Date__c)]).toEqual([where, wms.label, wms.at]);
            expect([where, (sfTime(crm.LastModifiedDate) - wms.at) / 1000]).toEqual([where, e.delaySeconds]);
            expect(e.delaySeconds).toBeGreaterThan(scenario.slaSeconds);
            break;
          }
          const o = orders.get(e.key)!;
          const opp = oppsById.get(e.sourceKey)!;
          const delay =
            (Date.parse(opp.Order_Status_Changed__c.replace('+0000', 'Z')) - Date.parse(o.StatusChangedDateTime)) /
            1000;
          // The ERP keeps whole seconds, Salesforce milliseconds.
          expect([where, Math.abs(delay - e.delaySeconds!) < 1]).toEqual([where, true]);
          expect(delay).toBeGreaterThan(scenario.slaSeconds);
          expect(opp.Order_Status__c).toBe(CRM_ORDER_STATUS[statusOfErp(o)]);
          break;
        }
        case 'contact_not_propagated': {
          const crm = crmContacts.get(e.key);
          if (e.variation === 'never_created') {
            expect([where, crm !== undefined, erpContacts.has(e.key)]).toEqual([where, true, false]);
            break;
          }
          const erp = erpContacts.get(e.key)!;
          expect([where, erp.ContactPersonId, erp[e.sourceField!]]).toEqual([where, e.sourceKey, e.actual]);
          const crmValue = e.field === 'phone' ? digits(crm?.Phone).slice(-7) : crm?.Title;
          const expected = e.field === 'phone' ? digits(e.expected).slice(-7) : e.expected;
          expect([where, crmValue]).toEqual([where, expected]);
          expect(e.actual).not.toEqual(e.expected);
          break;
        }
        case 'missing':
          if (e.entity === 'contact')
            expect([where, crmContacts.has(e.key), erpContacts.has(e.key)]).toEqual([where, false, true]);
          else if (e.system === 'support')
            expect([where, orgsByNumber.has(e.key), customers.has(e.key)]).toEqual([where, false, true]);
          else if (e.entity === 'customer')
            expect([where, accountsByNumber.has(e.key), customers.has(e.key)]).toEqual([where, false, true]);
          else if (e.entity === 'shipment')
            expect([where, crmShipmentOrders.has(e.key), shipmentsByOrder.has(e.key)]).toEqual([where, false, true]);
          else expect([where, oppsByNumber.has(e.key), orders.has(e.key)]).toEqual([where, false, true]);
          break;
        case 'orphan':
          if (e.entity === 'contact')
            expect([where, crmContacts.has(e.key), erpContacts.has(e.key)]).toEqual([where, true, false]);
          else if (e.entity === 'shipment')
            expect([where, shipments.has(e.sourceKey!), orders.has(e.key)]).toEqual([where, true, false]);
          else if (e.entity === 'order')
            expect([where, oppsById.has(e.sourceKey), orders.has(e.key)]).toEqual([where, true, false]);
          else if (e.system === 'support')
            expect([where, orgsByNumber.has(e.key), customers.has(e.key)]).toEqual([where, true, false]);
          else expect([where, accountsById.has(e.sourceKey), customers.has(e.key)]).toEqual([where, true, false]);
          break;
        case 'orphan_parent': {
          expect(e.field).toBe('parent_key');
          if (e.system === 'crm') {
            const child = accountsById.get(e.sourceKey)!;
            expect([where, child.ParentId]).toEqual([where, e.actual]);
            expect([where, accountsById.has(child.ParentId)]).toEqual([where, false]);
          } else {
            const child = customers.get(e.key)!;
            expect([where, child.InvoiceAccount]).toEqual([where, e.actual]);
            expect([where, customers.has(child.InvoiceAccount)]).toEqual([where, false]);
          }
          break;
        }
        case 'duplicate': {
          const dup = accountsById.get(e.sourceKey)!;
          const original = customers.get(e.key)!;
          expect([where, e.variation === 'swapped_address_lines' ? dup.BillingStreet : dup.Name]).toEqual([
            where,
            e.actual,
          ]);
          expect(original).toBeDefined();
          break;
        }
      }
    }
  });

  it('logs every dangling parent reference, injected or left behind by a removed parent', () => {
    const accountIds = new Set(data.accounts.map((a): string => a.Id as string));
    const danglingInCrm = data.accounts
      .filter((a) => a.ParentId && !accountIds.has(a.ParentId as string))
      .map((a): string => a.Id as string);
    const customerNumbers = new Set(data.customers.map((c): string => c.CustomerAccount as string));
    const danglingInErp = data.customers
      .filter((c) => c.InvoiceAccount && !customerNumbers.has(c.InvoiceAccount as string))
      .map((c): string => c.CustomerAccount as string);
    const logged = (system: string) =>
      log.filter((e) => e.kind === 'orphan_parent' && e.system === system).map((e) => e.sourceKey);
    expect(danglingInCrm.length).toBeGreaterThan(20);
    // Duplicates copy the original's ParentId: they are logged as duplicates, not again as orphans.
    const duplicateIds = new Set(log.filter((e) => e.kind === 'duplicate').map((e) => e.sourceKey));
    expect(danglingInCrm.filter((id) => !duplicateIds.has(id)).sort()).toEqual([...logged('crm')].sort());
    expect(danglingInErp.sort()).toEqual([...logged('erp')].sort());
    expect(new Set(log.filter((e) => e.kind === 'orphan_parent').map((e) => e.variation))).toEqual(
      new Set(['dangling_reference', 'parent_removed']),
    );
  });

  it('leaves no unlogged drift between the ERP and the CRM', () => {
    const logged = new Set(log.map((e) => e.key));
    const duplicateIds = new Set(log.filter((e) => e.kind === 'duplicate').map((e) => e.sourceKey));
    const accounts = new Map<string, Rec>();
    for (const a of data.accounts)
      if (a.ERP_Customer_Number__c && !duplicateIds.has(a.Id)) accounts.set(a.ERP_Customer_Number__c, a);
    const numberById = new Map<string, string>(
      data.accounts.map((a): [string, string] => [a.Id as string, a.ERP_Customer_Number__c as string]),
    );
    const mismatches: string[] = [];
    let compared = 0;
    for (const c of data.customers) {
      if (logged.has(c.CustomerAccount)) continue;
      const a = accounts.get(c.CustomerAccount);
      if (!a) {
        mismatches.push(`${c.CustomerAccount} missing in CRM`);
        continue;
      }
      compared++;
      const checks: [string, unknown, unknown][] = [
        ['name', a.Name, c.OrganizationName],
        ['terms', a.Payment_Terms__c, CRM_TERMS.get(c.PaymentTerms)],
        ['limit', a.Credit_Limit__c, c.CreditLimit],
        ['hold', a.Credit_Hold__c, erpIsOnHold(c.OnHoldStatus)],
        // One F&O field carries both: All blocks the customer, any other hold is a credit hold only.
        ['blocked', a.Account_Status__c === 'Blocked', c.OnHoldStatus === 'All'],
        ['city', a.BillingCity, c.AddressCity],
        ['street', a.BillingStreet, c.AddressStreet],
        ['postal', a.BillingPostalCode, c.AddressZipCode],
        ['tax', a.Tax_Id__c, c.TaxExemptNumber],
        ['phone', digits(a.Phone).slice(-7), digits(c.PrimaryContactPhone).slice(-7)],
        // A parent with drift of its own leaves its children's hierarchy intact unless logged for them.
        ['parent', numberById.get(a.ParentId) ?? '', c.InvoiceAccount],
      ];
      for (const [name, crm, erp] of checks)
        if (crm !== erp) mismatches.push(`${c.CustomerAccount} ${name}: CRM ${String(crm)} vs ERP ${String(erp)}`);
    }
    expect(compared).toBeGreaterThan(1900);
    expect(mismatches).toEqual([]);
    // Contacts: the CRM owns them, and the ERP's contact persons are its copies.
    const crmContacts = new Map(data.contacts.map((c) => [c.Email, c]));
    const erpContacts = new Map(data.contactPersons.map((c) => [c.PrimaryEmailAddress, c]));
    const contactMismatches: string[] = [];
    let contactsCompared = 0;
    for (const p of data.contactPersons) {
      if (logged.has(p.PrimaryEmailAddress) || logged.has(p.AssociatedContactNumber)) continue;
      const c = crmContacts.get(p.PrimaryEmailAddress);
      if (!c) {
        contactMismatches.push(`${p.PrimaryEmailAddress} missing in CRM`);
        continue;
      }
      contactsCompared++;
      const checks: [string, unknown, unknown][] = [
        ['first', c.FirstName, p.FirstName],
        ['last', c.LastName, p.LastName],
        ['title', c.Title, p.EmploymentProfession],
        ['phone', digits(c.Phone).slice(-7), digits(p.PrimaryPhoneNumber).slice(-7)],
        ['customer', numberById.get(c.AccountId), p.AssociatedContactNumber],
      ];
      for (const [name, crm, erp] of checks)
        if (crm !== erp)
          contactMismatches.push(`${p.PrimaryEmailAddress} ${name}: CRM ${String(crm)} vs ERP ${String(erp)}`);
    }
    for (const c of data.contacts)
      if (!logged.has(c.Email) && !logged.has(numberById.get(c.AccountId) ?? '') && !erpContacts.has(c.Email))
        contactMismatches.push(`${c.Email} missing in ERP`);
    expect(contactsCompared).toBeGreaterThan(2500);
    expect(contactMismatches).toEqual([]);
    const stuck = data.opportunities.filter((o) => !logged.has(o.ERP_Order_Number__c));
    const orders = new Map(data.orders.map((o) => [o.SalesOrderNumber, o]));
    for (const o of stuck)
      expect([o.ERP_Order_Number__c, o.Order_Status__c]).toEqual([
        o.ERP_Order_Number__c,
        CRM_ORDER_STATUS[statusOfErp(orders.get(o.ERP_Order_Number__c)!)],
      ]);
  });

  it('copies every unlogged ERP order status to the CRM within minutes of its change', () => {
    const logged = new Set(log.map((e) => e.key));
    const orders = new Map(data.orders.map((o) => [o.SalesOrderNumber, o]));
    const lags: number[] = [];
    const problems: string[] = [];
    for (const opp of data.opportunities) {
      const order = orders.get(opp.ERP_Order_Number__c);
      if (!order || logged.has(opp.ERP_Order_Number__c)) continue;
      // The ERP keeps whole seconds (cut, not rounded), Salesforce milliseconds.
      const lag = (sfTime(opp.Order_Status_Changed__c) - Date.parse(order.StatusChangedDateTime)) / 1000;
      lags.push(lag);
      if (lag < 0 || lag >= ORDER_STATUS_PROPAGATION_SECONDS.max + 1)
        problems.push(`${opp.ERP_Order_Number__c}: reached the CRM ${lag} s later`);
    }
    expect(lags.length).toBeGreaterThan(2000);
    expect(problems).toEqual([]);
    // Delays spread over the range (not all zero), so propagation percentiles mean something.
    const sorted = [...lags].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThan(ORDER_STATUS_PROPAGATION_SECONDS.min);
  });

  it('copies every unlogged WMS shipment to the CRM within minutes of its milestone', () => {
    const logged = new Set(log.map((e) => e.key));
    const crmByOrder = new Map(data.crmShipments.map((s) => [s.Opportunity__r?.ERP_Order_Number__c, s]));
    const problems: string[] = [];
    let compared = 0;
    for (const s of data.shipments) {
      if (logged.has(s.order_number)) continue;
      const crm = crmByOrder.get(s.order_number);
      const wms = lastMilestone(s);
      if (!crm) {
        problems.push(`${s.order_number} missing in CRM`);
        continue;
      }
      compared++;
      const lag = (sfTime(crm.LastModifiedDate) - wms.at) / 1000;
      if (crm.Name !== s.id || crm.Milestone__c !== wms.label || sfTime(crm.Milestone_Date__c) !== wms.at)
        problems.push(`${s.order_number}: CRM ${crm.Milestone__c} ${crm.Milestone_Date__c} vs WMS ${s.status}`);
      if (crm.Tracking_Number__c !== s.tracking_number) problems.push(`${s.order_number}: tracking number`);
      if (lag < 0 || lag > SHIPMENT_PROPAGATION_SECONDS.max)
        problems.push(`${s.order_number}: reached the CRM ${lag} s later`);
    }
    expect(compared).toBeGreaterThan(2000);
    expect(problems).toEqual([]);
    const kinds = new Set(log.filter((e) => e.entity === 'shipment' && e.system === 'crm').map((e) => e.kind));
    expect(kinds).toEqual(new Set(['late_propagation', 'not_propagated', 'missing']));
  });
});
