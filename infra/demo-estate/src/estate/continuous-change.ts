/**
 * Continuous mode for the demo: the estate keeps living. Each tick the ERP takes new orders, moves
 * orders along (the WMS ships them and fires webhooks), customers' details change, and salespeople
 * change contacts in the CRM; integrations propagate those changes (ERP orders and customers, WMS
 * shipment milestones to the CRM; CRM contacts to the ERP) after a short delay, except when the
 * scenario's drift probability decides the change is lost, late, or edited in the CRM instead (logged).
 */
import {
  MILESTONES,
  ORDER_FLOW,
  orderNumberOf,
  MAX_CONTACTS_PER_CUSTOMER,
  MAX_ORDERS_PER_CUSTOMER,
  type Milestone,
  type OrderStatus,
} from '../generator/estate-generator';
import { mixSeed, Prng } from '../generator/prng';
import { COUNTRIES, COUNTRY_CODES, JOB_TITLES } from '../generator/reference-data';
import type { DriftScenario } from '../drift/drift-scenario';
import type { GroundTruthLog } from '../drift/ground-truth-log';
import { CRM_MILESTONE, CRM_ORDER_STATUS, crmMilestoneFields } from '../systems/crm/salesforce.store';
import {
  CONTACT,
  OPPORTUNITY,
  SHIPMENT,
  salesforceId,
  sfDateTime,
  type SfRecord,
} from '../systems/crm/salesforce-schema';
import { ERP_ORDER_STATUS, erpContactPersonId, erpIso } from '../systems/erp/dynamics.store';
import type { WmsServer } from '../systems/wms/wms.server';
import type { EstateStores } from './estate-builder';

const DATA_AREAS = ['usmf', 'gbsi', 'demf', 'frrt', 'itco'];

const ERP_TO_CANONICAL = new Map<string, OrderStatus>(
  (Object.entries(ERP_ORDER_STATUS) as [OrderStatus, { status: string; processing: string }][]).map(([k, v]) => [
    `${v.status}/${v.processing}`,
    k,
  ]),
);

export class ContinuousChange {
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly rng: Prng;
  private readonly openOrders: string[] = [];
  /** Keys whose drift must not be healed by later changes. */
  private readonly drifted = new Set<string>();
  /**
   * Customers whose move is on its way to the CRM: left alone until it arrives, so that no later change
   * overtakes it (a second move copied first, or a CRM edit making the CRM's record the newer one).
   */
  private readonly moving = new Set<string>();
  private nextOrder: number;
  ticks = 0;

  constructor(
    private readonly stores: EstateStores,
    private readonly wms: WmsServer,
    private readonly scenario: DriftScenario,
    private readonly log: GroundTruthLog,
    private readonly customers: number,
    seed: number,
  ) {
    this.rng = new Prng(mixSeed(seed, 0x5eed, Date.now() % 1_000_000));
    this.nextOrder = customers * MAX_ORDERS_PER_CUSTOMER + 1_000_000;
    for (const e of log.entries) this.drifted.add(e.key);
    for (const row of stores.erp.table('SalesOrderHeadersV2').rowsInOrder()) {
      const s = row.record.SalesOrderStatus;
      if (s === 'Backorder' || s === 'Delivered')
        this.openOrders.push(`${String(row.record.dataAreaId)}|${String(row.record.SalesOrderNumber).toLowerCase()}`);
    }
  }

  start(): void {
    const c = this.scenario.continuous;
    this.timer = setInterval(() => this.tick(), c.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }

  tick(): void {
    this.ticks++;
    const c = this.scenario.continuous;
    for (let i = 0; i < c.newOrdersPerTick; i++) this.newOrder();
    for (let i = 0; i < c.statusMovesPerTick; i++) this.moveOrder();
    // Half of the customer edits are a phone the CRM owns, half a move (billing address) the ERP owns.
    for (let i = 0; i < c.editsPerTick; i++) {
      if (this.rng.chance(0.5)) this.changePhone();
      else this.moveCustomer();
    }
    for (let i = 0; i < c.contactEditsPerTick; i++) this.editContact();
    this.log.flush();
  }

  private later(delayMs: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, delayMs);
    t.unref();
    this.pending.add(t);
  }

  private randomCustomer() {
    const table = this.stores.erp.table('CustomersV3');
    // Random access into a Map: walk from a random start is too slow at 1M, so sample by key.
    for (let attempt = 0; attempt < 5; attempt++) {
      const n = 1 + this.rng.int(Math.max(1, table.size));
      for (const area of DATA_AREAS) {
        const row = table.get(`${area}|c${String(n).padStart(6, '0')}`);
        if (row && !this.drifted.has(String(row.record.CustomerAccount))) return row;
      }
    }
    return undefined;
  }

  private newOrder(): void {
    const customer = this.randomCustomer();
    if (!customer) return;
    const now = Date.now();
    const orderNumber = orderNumberOf(this.nextOrder++);
    const cust = customer.record;
    const total = Math.round((50 + this.rng.next() * 20_000) * 100) / 100;
    const record = {
      dataAreaId: cust.dataAreaId,
      SalesOrderNumber: orderNumber,
      OrderingCustomerAccountNumber: cust.CustomerAccount,
      InvoiceCustomerAccountNumber: cust.CustomerAccount,
      SalesOrderName: cust.OrganizationName,
      SalesOrderStatus: 'Backorder',
      SalesOrderProcessingStatus: 'None',
      CurrencyCode: cust.SalesCurrencyCode,
      OrderTotalAmount: total,
      RequestedShippingDate: new Date(now + 7 * 86_400_000).toISOString().slice(0, 10),
      OrderCreatedDateTime: erpIso(now),
      StatusChangedDateTime: erpIso(now),
    };
    this.stores.erp.put('SalesOrderHeadersV2', record, now);
    this.openOrders.push(`${String(cust.dataAreaId)}|${orderNumber.toLowerCase()}`);
    const accountIds = this.stores.crm.accountIdsByCustomerNumber(String(cust.CustomerAccount));
    if (accountIds.length !== 1) return;
    this.later(this.scenario.continuous.propagationDelayMs, () => {
      // The integration copies the order as it is when it runs: it may have moved on already.
      const current = this.stores.erp
        .table('SalesOrderHeadersV2')
        .get(`${String(cust.dataAreaId)}|${orderNumber.toLowerCase()}`)?.record;
      const status =
        ERP_TO_CANONICAL.get(`${String(current?.SalesOrderStatus)}/${String(current?.SalesOrderProcessingStatus)}`) ??
        'draft';
      const opp: SfRecord = {
        Id: this.stores.crm.newId(OPPORTUNITY.keyPrefix),
        AccountId: accountIds[0],
        Name: `${String(cust.OrganizationName)} - ${orderNumber}`,
        StageName: status === 'draft' ? 'Proposal/Price Quote' : 'Closed Won',
        CloseDate: new Date().toISOString().slice(0, 10),
        Amount: total,
        CurrencyIsoCode: cust.SalesCurrencyCode,
        ERP_Order_Number__c: orderNumber,
        Order_Status__c: CRM_ORDER_STATUS[status],
        Order_Status_Changed__c: sfDateTime(Date.now()),
        CreatedDate: sfDateTime(Date.now()),
      };
      this.stores.crm.put('Opportunity', opp, Date.now());
    });
  }

  private moveOrder(): void {
    if (this.openOrders.length === 0) return;
    const i = this.rng.int(this.openOrders.length);
    const key = this.openOrders[i];
    const table = this.stores.erp.table('SalesOrderHeadersV2');
    const row = table.get(key);
    const orderNumber = String(row?.record.SalesOrderNumber ?? '');
    if (!row || this.drifted.has(orderNumber)) {
      this.openOrders.splice(i, 1);
      return;
    }
    const current =
      ERP_TO_CANONICAL.get(`${String(row.record.SalesOrderStatus)}/${String(row.record.SalesOrderProcessingStatus)}`) ??
      'draft';
    const step = ORDER_FLOW.indexOf(current as (typeof ORDER_FLOW)[number]);
    if (step < 0 || step >= ORDER_FLOW.length - 1) {
      this.openOrders.splice(i, 1);
      return;
    }
    const next = ORDER_FLOW[step + 1];
    const now = Date.now();
    const mapped = ERP_ORDER_STATUS[next];
    this.stores.erp.put(
      'SalesOrderHeadersV2',
      {
        ...row.record,
        SalesOrderStatus: mapped.status,
        SalesOrderProcessingStatus: mapped.processing,
        StatusChangedDateTime: erpIso(now),
      },
      now,
    );
    if (next === 'delivered') this.openOrders.splice(i, 1);
    this.shipmentFollows(String(row.record.OrderingCustomerAccountNumber), orderNumber, next, now);

    const oppId = this.stores.crm.opportunityIdByOrderNumber(orderNumber);
    if (!oppId) return;
    const propagate = () => {
      const opp = this.stores.crm.opportunities.get(oppId);
      if (!opp) return;
      this.stores.crm.put(
        'Opportunity',
        {
          ...opp.record,
          Order_Status__c: CRM_ORDER_STATUS[next],
          Order_Status_Changed__c: sfDateTime(Date.now()),
          StageName: 'Closed Won',
        },
        Date.now(),
      );
    };
    if (this.rng.chance(this.scenario.continuous.driftProbability)) {
      this.drifted.add(orderNumber);
      const late = this.rng.chance(0.5);
      const delaySeconds = Math.round(this.scenario.slaSeconds * 1.5);
      this.log.recordPropagationDrift({
        entity: 'order',
        key: orderNumber,
        sourceKey: oppId,
        kind: late ? 'late_propagation' : 'order_status_stuck',
        at: now,
        expected: CRM_ORDER_STATUS[next],
        actual: CRM_ORDER_STATUS[current],
        delaySeconds: late ? delaySeconds : undefined,
      });
      if (late) this.later(delaySeconds * 1000, propagate);
      return;
    }
    this.later(this.scenario.continuous.propagationDelayMs, propagate);
  }

  private shipmentFollows(customerNumber: string, orderNumber: string, status: OrderStatus, at: number): void {
    const wmsStore = this.wms.store;
    let id = wmsStore.shipmentIdForOrder(orderNumber);
    if (status === 'processing' && !id) {
      const customer = this.stores.crm.accountIdsByCustomerNumber(customerNumber)[0];
      const account = customer ? this.stores.crm.accounts.get(customer)?.record : undefined;
      id = `SHP-N${orderNumber.slice(3)}`;
      wmsStore.put(
        {
          id,
          order_number: orderNumber,
          customer_number: customerNumber,
          ship_to: {
            name: String(account?.Name ?? customerNumber).toUpperCase(),
            address_1: String(account?.ShippingStreet ?? '')
              .split('\n')[0]
              .toUpperCase(),
            address_2:
              String(account?.ShippingStreet ?? '')
                .split('\n')[1]
                ?.toUpperCase() ?? '',
            city: String(account?.ShippingCity ?? '').toUpperCase(),
            postal_code: String(account?.ShippingPostalCode ?? ''),
            state: String(account?.ShippingState ?? '').toUpperCase(),
            country: COUNTRY_CODES.find((code) => COUNTRIES[code].name === account?.ShippingCountry) ?? '',
          },
          carrier: this.rng.pick(['UPS', 'FedEx', 'DHL']),
          tracking_number: String(1e11 + this.rng.int(9e11)),
          status: 'picked',
          milestones: [{ status: 'picked', at: new Date(at).toISOString() }],
          created_at: new Date(at).toISOString(),
        },
        at,
      );
      this.wms.webhooks.emit('shipment.milestone', {
        shipment_id: id,
        order_number: orderNumber,
        customer_number: customerNumber,
        status: 'picked',
        at: new Date(at).toISOString(),
      });
      this.crmShipmentFollows(id, orderNumber, 'picked', at);
      return;
    }
    if (!id) return;
    if (status === 'shipped') {
      const packed = this.wms.advance(id, 'packed', at);
      const shipped = this.wms.advance(id, 'shipped', at);
      if (packed || shipped) this.crmShipmentFollows(id, orderNumber, 'shipped', at);
    } else if (status === 'delivered' && this.wms.advance(id, MILESTONES[3], at))
      this.crmShipmentFollows(id, orderNumber, 'delivered', at);
  }

  /**
   * The WMS → CRM shipment integration: after the usual delay the CRM's Shipment__c takes the WMS
   * shipment as it is then (created with the first milestone, under the order's Opportunity), the
   * warehouse's time in `Milestone_Date__c`. With the drift probability the milestone arrives
   * 1.5 × `slaSeconds` late or never (logged, and the order is left alone from then on).
   */
  private crmShipmentFollows(shipmentId: string, orderNumber: string, milestone: Milestone, at: number): void {
    const crm = this.stores.crm;
    const propagate = () => {
      const current = this.wms.store.shipments.get(shipmentId)?.record;
      // Looked up when the integration runs: a new order's Opportunity may have arrived meanwhile.
      const opportunityId = crm.opportunityIdByOrderNumber(orderNumber);
      if (!current || !opportunityId) return;
      const last = current.milestones[current.milestones.length - 1];
      const existingId = crm.shipmentIdByNumber(shipmentId);
      const existing = existingId ? crm.shipments.get(existingId)?.record : undefined;
      const now = Date.now();
      crm.put(
        'Shipment__c',
        {
          ...(existing ?? {
            Id: crm.newId(SHIPMENT.keyPrefix),
            Name: shipmentId,
            Opportunity__c: opportunityId,
            CreatedDate: sfDateTime(now),
          }),
          ...crmMilestoneFields(last.status, Date.parse(last.at)),
          Carrier__c: current.carrier,
          Tracking_Number__c: current.tracking_number,
        },
        now,
      );
    };
    if (this.rng.chance(this.scenario.continuous.driftProbability)) {
      this.drifted.add(orderNumber);
      const late = this.rng.chance(0.5);
      const delaySeconds = Math.round(this.scenario.slaSeconds * 1.5);
      const crmId = crm.shipmentIdByNumber(shipmentId) ?? null;
      this.log.recordPropagationDrift({
        entity: 'shipment',
        key: orderNumber,
        sourceKey: crmId,
        kind: late ? 'late_propagation' : 'not_propagated',
        at,
        expected: CRM_MILESTONE[milestone],
        actual: crmId ? (crm.shipments.get(crmId)?.record.Milestone__c ?? null) : null,
        delaySeconds: late ? delaySeconds : undefined,
      });
      if (late) this.later(delaySeconds * 1000, propagate);
      return;
    }
    this.later(this.scenario.continuous.propagationDelayMs, propagate);
  }

  /** A customer no drift touched and no move is on its way for, with its one CRM account. */
  private customerToEdit() {
    const row = this.randomCustomer();
    if (!row) return undefined;
    const customerNumber = String(row.record.CustomerAccount);
    if (this.moving.has(customerNumber)) return undefined;
    const accountIds = this.stores.crm.accountIdsByCustomerNumber(customerNumber);
    const account = accountIds.length === 1 ? this.stores.crm.accounts.get(accountIds[0]) : undefined;
    return account ? { row, customerNumber, accountId: accountIds[0], account } : undefined;
  }

  /**
   * A customer's phone changes. The CRM owns it (as the ownership table says): a salesperson changes it
   * there and the CRM → ERP integration copies it after the usual delay, unless the drift probability
   * decides someone edited the ERP's copy instead, or the change never reached the ERP (both logged).
   */
  private changePhone(): void {
    const found = this.customerToEdit();
    if (!found) return;
    const { row, customerNumber, account } = found;
    const now = Date.now();
    const phoneSuffix = String(this.rng.between(10, 99));
    const erpPhone = String(row.record.PrimaryContactPhone).replace(/\d{2}$/, phoneSuffix);
    const crmPhone = String(account.record.Phone).replace(/\d{2}$/, phoneSuffix);
    if (erpPhone === row.record.PrimaryContactPhone) return;
    const drift = (kind: 'field_edit' | 'not_propagated', expected: unknown, actual: unknown) =>
      this.log.record({
        system: 'erp',
        entity: 'customer',
        key: customerNumber,
        sourceKey: customerNumber,
        field: 'phone',
        sourceField: 'PrimaryContactPhone',
        kind,
        time: new Date(now).toISOString(),
        expected,
        actual,
      });
    if (this.rng.chance(this.scenario.continuous.driftProbability)) {
      this.drifted.add(customerNumber);
      if (this.rng.chance(0.5)) {
        // Edited in the ERP, which does not own the phone.
        this.stores.erp.put('CustomersV3', { ...row.record, PrimaryContactPhone: erpPhone }, now);
        drift('field_edit', row.record.PrimaryContactPhone, erpPhone);
      } else {
        this.stores.crm.put('Account', { ...account.record, Phone: crmPhone }, now);
        drift('not_propagated', erpPhone, row.record.PrimaryContactPhone);
      }
      return;
    }
    this.stores.crm.put('Account', { ...account.record, Phone: crmPhone }, now);
    this.later(this.scenario.continuous.propagationDelayMs, () => {
      const current = this.stores.erp.table('CustomersV3').get(row.key);
      if (current) this.stores.erp.put('CustomersV3', { ...current.record, PrimaryContactPhone: erpPhone }, Date.now());
    });
  }

  /**
   * A customer moves to another city of its country (billing city, postal code and region). The ERP owns
   * the billing address (as the ownership table says): finance changes it there and the ERP → CRM
   * integration, a batch slower than the phone's, copies it seconds to minutes later; unless the drift
   * probability decides the move never reached the CRM (one log entry per field), or someone edited the
   * CRM's copy of the city instead (logged).
   */
  private moveCustomer(): void {
    const found = this.customerToEdit();
    if (!found) return;
    const { row, customerNumber, accountId, account } = found;
    const now = Date.now();
    const country = Object.values(COUNTRIES).find((c) => c.iso3 === row.record.AddressCountryRegionId);
    const cities = country?.cities.filter((c) => c.name !== row.record.AddressCity) ?? [];
    if (cities.length === 0) return;
    const city = this.rng.pick(cities);
    // [logged field, CRM field, ERP field, the ERP's new value]
    const fields: [string, string, string, string][] = [
      ['billing_city', 'BillingCity', 'AddressCity', city.name],
      ['billing_postal_code', 'BillingPostalCode', 'AddressZipCode', city.postal(this.rng)],
      ['billing_region', 'BillingState', 'AddressState', city.region],
    ];
    const drift = (
      kind: 'field_edit' | 'not_propagated',
      field: (typeof fields)[number],
      expected: unknown,
      actual: unknown,
    ) =>
      this.log.record({
        system: 'crm',
        entity: 'customer',
        key: customerNumber,
        sourceKey: accountId,
        field: field[0],
        sourceField: field[1],
        kind,
        time: new Date(now).toISOString(),
        expected,
        actual,
      });
    const drifts = this.rng.chance(this.scenario.continuous.driftProbability);
    if (drifts && this.rng.chance(0.5)) {
      // Edited in the CRM, which does not own the address; the ERP's stays.
      this.drifted.add(customerNumber);
      this.stores.crm.put('Account', { ...account.record, BillingCity: city.name }, now);
      drift('field_edit', fields[0], row.record.AddressCity, city.name);
      return;
    }
    const moved = Object.fromEntries(fields.map(([, , erpField, value]) => [erpField, value]));
    this.stores.erp.put('CustomersV3', { ...row.record, ...moved }, now);
    if (drifts) {
      this.drifted.add(customerNumber);
      for (const field of fields)
        if (field[3] !== account.record[field[1]]) drift('not_propagated', field, field[3], account.record[field[1]]);
      return;
    }
    const [min, max] = this.scenario.continuous.addressPropagationDelayMs;
    this.moving.add(customerNumber);
    this.later(this.rng.between(min, max), () => {
      this.moving.delete(customerNumber);
      const current = this.stores.crm.accounts.get(accountId);
      const copied = Object.fromEntries(fields.map(([, crmField, , value]) => [crmField, value]));
      if (current) this.stores.crm.put('Account', { ...current.record, ...copied }, Date.now());
    });
  }

  /** A contact both systems hold and no drift touched: its CRM record and its ERP contact person's key. */
  private randomContact() {
    const people = this.stores.erp.table('CDSContactPersonsV2');
    // Contact indexes are sparse (each customer has a block of them): sample a few.
    for (let attempt = 0; attempt < 5; attempt++) {
      const contactIndex = this.rng.int(this.customers * MAX_CONTACTS_PER_CUSTOMER);
      // A generated contact's CRM Id and ERP contact person id both derive from its index.
      const contact = this.stores.crm.contacts.get(salesforceId(CONTACT.keyPrefix, contactIndex + 1))?.record;
      const personId = erpContactPersonId({ contactIndex });
      const personKey = DATA_AREAS.map((area) => `${area}|${personId.toLowerCase()}`).find((k) => people.get(k));
      const email = String(contact?.Email ?? '');
      if (contact && personKey && email && !this.drifted.has(email)) return { contact, email, personId, personKey };
    }
    return undefined;
  }

  /**
   * A salesperson gives a CRM contact a new title; the CRM → ERP contact integration copies it to the
   * ERP's contact person after the usual delay, or, with the drift probability, never (logged as the
   * generator logs a contact edit that did not propagate, and the contact is left alone from then on).
   */
  private editContact(): void {
    const found = this.randomContact();
    if (!found) return;
    const { contact, email, personId, personKey } = found;
    const crm = this.stores.crm;
    const people = this.stores.erp.table('CDSContactPersonsV2');
    const title = this.rng.pick(JOB_TITLES.filter((t) => t !== contact.Title));
    const now = Date.now();
    crm.put('Contact', { ...contact, Title: title }, now);
    if (this.rng.chance(this.scenario.continuous.driftProbability)) {
      this.drifted.add(email);
      this.log.record({
        system: 'erp',
        entity: 'contact',
        key: email,
        sourceKey: personId,
        field: 'title',
        sourceField: 'EmploymentProfession',
        kind: 'contact_not_propagated',
        variation: 'edit',
        time: new Date(now).toISOString(),
        expected: title,
        actual: people.get(personKey)?.record.EmploymentProfession,
      });
      return;
    }
    this.later(this.scenario.continuous.propagationDelayMs, () => {
      const current = people.get(personKey)?.record;
      if (current) this.stores.erp.put('CDSContactPersonsV2', { ...current, EmploymentProfession: title }, Date.now());
    });
  }
}
