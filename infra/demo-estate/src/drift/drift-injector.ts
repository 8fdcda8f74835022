/**
 * Injects drift into the systems' copies of one customer while the estate is generated, and writes
 * each injected drift to the ground-truth log. At most one kind per customer, drawn from the
 * scenario's rates with the scenario's own seed, so the same scenario always drifts the same records.
 */
import {
  customerNumberOf,
  type ContactTruth,
  type CustomerTruth,
  type OrderTruth,
} from '../generator/estate-generator';
import { mixSeed, Prng } from '../generator/prng';
import { COUNTRIES, JOB_TITLES, PAYMENT_TERMS, type PaymentTermsCode } from '../generator/reference-data';
import {
  accountIdOf,
  CRM_MILESTONE,
  CRM_ORDER_STATUS,
  crmMilestoneFields,
  crmPhone,
  type CrmCopy,
} from '../systems/crm/salesforce.store';
import { salesforceId, sfDateTime, type SfRecord } from '../systems/crm/salesforce-schema';
import { erpOnHoldStatus, erpPhone, type ErpCopy } from '../systems/erp/dynamics.store';
import type { SupportCopy } from '../systems/support/zendesk.store';
import type { WmsShipment } from '../systems/wms/wms.store';
import { DRIFT_KINDS, type DriftKind, type DriftScenario } from './drift-scenario';
import type { GroundTruthEntry, GroundTruthLog } from './ground-truth-log';

const HOUR = 3_600_000;
/** Duplicate accounts get Salesforce Ids in their own range. */
const DUPLICATE_ID_BASE = 3_000_000_000;
/** Ids of parent accounts deleted from the CRM (dangling ParentIds point there). */
const DELETED_PARENT_ID_BASE = 3_500_000_000;
/** PRNG stream of the WMS → CRM shipment drift, apart from the customer's drift kind (stream 99). */
const SHIPMENT_DRIFT_STREAM = 98;

export interface CustomerCopies {
  truth: CustomerTruth;
  crm: CrmCopy | null;
  crmDuplicates: { record: SfRecord; modifiedAt: number }[];
  erp: ErpCopy | null;
  wms: { record: WmsShipment; modifiedAt: number }[];
  support: SupportCopy | null;
}

/** The drift kind a customer gets under a scenario (null for none): cheap, so others can ask. */
export function driftKindOf(scenario: DriftScenario, index: number): DriftKind | null {
  return drawKind(new Prng(mixSeed(scenario.seed, index, 99)), scenario);
}

function drawKind(rng: Prng, scenario: DriftScenario): DriftKind | null {
  let u = rng.next();
  for (const kind of DRIFT_KINDS) {
    u -= scenario.rates[kind];
    if (u < 0) return kind;
  }
  return null;
}

export function typo(text: string, rng: Prng): string {
  const letters = [...text]
    .map((c, i) => (/[a-z]/i.test(c) && /[a-z]/i.test(text[i + 1] ?? '') && text[i + 1] !== c ? i : -1))
    .filter((i) => i >= 0);
  if (letters.length === 0) return `${text}x`;
  const i = rng.pick(letters);
  return text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
}

/** A salesperson's change of a CRM contact: a new title or phone, in each system's spelling. */
function contactEdit(contact: ContactTruth, rng: Prng) {
  if (rng.chance(0.5)) {
    const title = rng.pick(JOB_TITLES.filter((x) => x !== contact.title));
    return { field: 'title', crmField: 'Title', erpField: 'EmploymentProfession', crmValue: title, erpValue: title };
  }
  const digits = contact.phone.subscriber.length;
  const phone = {
    ...contact.phone,
    subscriber: String((Number(contact.phone.subscriber) + 1 + rng.int(90)) % 10 ** digits).padStart(digits, '0'),
  };
  return {
    field: 'phone',
    crmField: 'Phone',
    erpField: 'PrimaryPhoneNumber',
    crmValue: crmPhone(phone),
    erpValue: erpPhone(phone),
  };
}

const LEGAL_FORM_VARIANTS: Record<string, string> = {
  'Inc.': 'Incorporated',
  LLC: 'L.L.C.',
  'Corp.': 'Corporation',
  'Co.': 'Company',
  Ltd: 'Limited',
  Limited: 'Ltd.',
  PLC: 'P.L.C.',
  GmbH: 'G.m.b.H.',
  AG: 'Aktiengesellschaft',
  'GmbH & Co. KG': 'GmbH & Co KG',
  KG: 'K.G.',
  SARL: 'S.A.R.L.',
  SAS: 'S.A.S.',
  SA: 'S.A.',
  'S.r.l.': 'SRL',
  'S.p.A.': 'SpA',
};

export class DriftInjector {
  constructor(
    private readonly scenario: DriftScenario,
    private readonly epoch: number,
    private readonly log: GroundTruthLog,
  ) {}

  /**
   * Customers taken out of the CRM / the ERP so far. Parents always have smaller indexes than their
   * children, so when a child is drifted its parent's fate is known.
   */
  private readonly goneFromCrm = new Set<number>();
  private readonly goneFromErp = new Set<number>();

  apply(c: CustomerCopies): DriftKind | null {
    const rng = new Prng(mixSeed(this.scenario.seed, c.truth.index, 99));
    const kind = drawKind(rng, this.scenario);
    const applied = kind && c.crm && c.erp ? this.applyKind(kind, c, rng) : false;
    if (!applied && c.crm) this.applyShipmentDrift(c);
    if (!c.crm) this.goneFromCrm.add(c.truth.index);
    if (!c.erp) this.goneFromErp.add(c.truth.index);
    this.logOrphanedChildren(c);
    return applied ? kind : null;
  }

  /**
   * A parent taken out of a system leaves its children there pointing at nothing: those children are
   * parent orphans in that system too (variation `parent_removed`), logged so the hierarchy and
   * parent-orphan rules can be scored.
   */
  private logOrphanedChildren(c: CustomerCopies): void {
    const t = c.truth;
    if (t.parentIndex < 0) return;
    if (c.crm && this.goneFromCrm.has(t.parentIndex) && c.crm.account.ParentId === accountIdOf(t.parentIndex))
      this.entry({
        system: 'crm',
        entity: 'customer',
        key: t.customerNumber,
        sourceKey: c.crm.account.Id as string,
        field: 'parent_key',
        sourceField: 'ParentId',
        kind: 'orphan_parent',
        variation: 'parent_removed',
        at: c.crm.accountModifiedAt,
        expected: null,
        actual: c.crm.account.ParentId,
      });
    const parentNumber = customerNumberOf(t.parentIndex);
    if (c.erp && this.goneFromErp.has(t.parentIndex) && c.erp.customer.InvoiceAccount === parentNumber)
      this.entry({
        system: 'erp',
        entity: 'customer',
        key: t.customerNumber,
        sourceKey: t.customerNumber,
        field: 'parent_key',
        sourceField: 'InvoiceAccount',
        kind: 'orphan_parent',
        variation: 'parent_removed',
        at: c.erp.modifiedAt,
        expected: null,
        actual: parentNumber,
      });
  }

  private entry(e: Omit<GroundTruthEntry, 'time'> & { at: number }): void {
    const { at, ...rest } = e;
    this.log.record({ ...rest, time: new Date(at).toISOString() });
  }

  /** A drift of a whole record (missing, orphaned, never created): no field. */
  private recordDrift(e: Omit<GroundTruthEntry, 'time' | 'field' | 'sourceField'> & { at: number }): void {
    const { system, entity, key, sourceKey, ...rest } = e;
    this.entry({ system, entity, key, sourceKey, field: null, sourceField: null, ...rest });
  }

  /** A time after `after` and at or before the epoch. */
  private later(rng: Prng, after: number): number {
    const span = this.epoch - after;
    return span <= HOUR ? this.epoch : after + HOUR + Math.floor(rng.next() * (span - HOUR));
  }

  /**
   * The CRM owns contacts: a salesperson's change of a contact's title or phone that never reached
   * the ERP's contact person, or a CRM contact never created there at all.
   */
  private contactNotPropagated(c: CustomerCopies, rng: Prng): boolean {
    const crm = c.crm!;
    const erp = c.erp!;
    const k = rng.int(c.truth.contacts.length);
    const truth = c.truth.contacts[k];
    const crmContact = crm.contacts[k];
    const erpContact = erp.contacts[k];
    if (!truth || !crmContact || !erpContact) return false;
    if (rng.chance(0.3)) {
      this.recordDrift({
        system: 'erp',
        entity: 'contact',
        key: truth.email,
        sourceKey: null,
        kind: 'contact_not_propagated',
        variation: 'never_created',
        at: crmContact.modifiedAt,
      });
      erp.contacts.splice(k, 1);
      return true;
    }
    const at = this.later(rng, Math.max(crmContact.modifiedAt, erpContact.modifiedAt));
    const { field, crmField, erpField, crmValue, erpValue } = contactEdit(truth, rng);
    this.entry({
      system: 'erp',
      entity: 'contact',
      key: truth.email,
      sourceKey: erpContact.record.ContactPersonId as string,
      field,
      sourceField: erpField,
      kind: 'contact_not_propagated',
      variation: 'edit',
      at,
      expected: erpValue,
      actual: erpContact.record[erpField],
    });
    crmContact.record[crmField] = crmValue;
    crmContact.modifiedAt = at;
    return true;
  }

  private applyKind(kind: DriftKind, c: CustomerCopies, rng: Prng): boolean {
    const crm = c.crm!;
    const erp = c.erp!;
    const t = c.truth;
    const account = crm.account;
    const accountId = account.Id as string;
    switch (kind) {
      case 'field_edit': {
        const country = COUNTRIES[t.country];
        const otherCity = country.cities.find((x) => x.name !== t.billing.city) ?? country.cities[0];
        const editedPhone = {
          ...t.phone,
          subscriber: String((Number(t.phone.subscriber) + 1 + rng.int(90)) % 10 ** t.phone.subscriber.length).padStart(
            t.phone.subscriber.length,
            '0',
          ),
        };
        // Each choice names the system whose copy is edited: the ERP owns these fields but the phone, which
        // the CRM owns (its drift is an edit of the ERP's copy).
        const choices: ['crm' | 'erp', string, string, string | number][] = [
          ['erp', 'phone', 'PrimaryContactPhone', erpPhone(editedPhone)],
          ['crm', 'billing_city', 'BillingCity', otherCity.name],
          [
            'crm',
            'billing_postal_code',
            'BillingPostalCode',
            t.billing.postalCode.slice(0, -1) + String((Number(t.billing.postalCode.slice(-1)) + 1) % 10),
          ],
          ['crm', 'legal_name', 'Name', typo(t.legalName, rng)],
          [
            'crm',
            'payment_terms',
            'Payment_Terms__c',
            PAYMENT_TERMS[t.credit.paymentTerms === 'NET30' ? 'NET45' : 'NET30'].crm,
          ],
          [
            'crm',
            'credit_limit',
            'Credit_Limit__c',
            t.credit.limit + (rng.chance(0.5) ? 10_000 : -Math.min(t.credit.limit - 1000, 10_000)),
          ],
          ['crm', 'tax_id', 'Tax_Id__c', typo(t.taxId, rng)],
        ];
        const [system, field, sourceField, value] = rng.pick(choices);
        const copy: Record<string, unknown> = system === 'erp' ? erp.customer : account;
        if (value === copy[sourceField]) return false;
        const at = this.later(rng, Math.max(crm.accountModifiedAt, erp.modifiedAt));
        this.entry({
          system,
          entity: field === 'credit_limit' || field === 'payment_terms' ? 'credit_profile' : 'customer',
          key: t.customerNumber,
          sourceKey: system === 'erp' ? t.customerNumber : accountId,
          field,
          sourceField,
          kind,
          at,
          expected: copy[sourceField],
          actual: value,
        });
        copy[sourceField] = value;
        if (system === 'erp') erp.modifiedAt = at;
        else crm.accountModifiedAt = at;
        return true;
      }
      case 'not_propagated': {
        const at = this.later(rng, Math.max(crm.accountModifiedAt, erp.modifiedAt));
        const which = rng.int(3);
        if (which === 0) {
          const phone = {
            ...t.phone,
            subscriber: String((Number(t.phone.subscriber) + 7) % 10 ** t.phone.subscriber.length).padStart(
              t.phone.subscriber.length,
              '0',
            ),
          };
          // The CRM (the phone's owner) changed it; the ERP kept the old one.
          this.entry({
            system: 'erp',
            entity: 'customer',
            key: t.customerNumber,
            sourceKey: t.customerNumber,
            field: 'phone',
            sourceField: 'PrimaryContactPhone',
            kind,
            at,
            expected: erpPhone(phone),
            actual: erp.customer.PrimaryContactPhone,
          });
          account.Phone = crmPhone(phone);
          crm.accountModifiedAt = at;
          return true;
        } else if (which === 1) {
          const country = COUNTRIES[t.country];
          const city = country.cities.find((x) => x.name !== t.billing.city) ?? country.cities[0];
          erp.customer.AddressCity = city.name;
          this.entry({
            system: 'crm',
            entity: 'customer',
            key: t.customerNumber,
            sourceKey: accountId,
            field: 'billing_city',
            sourceField: 'BillingCity',
            kind,
            at,
            expected: city.name,
            actual: account.BillingCity,
          });
        } else {
          const terms: PaymentTermsCode = t.credit.paymentTerms === 'NET60' ? 'NET30' : 'NET60';
          erp.customer.PaymentTerms = PAYMENT_TERMS[terms].erp;
          this.entry({
            system: 'crm',
            entity: 'credit_profile',
            key: t.customerNumber,
            sourceKey: accountId,
            field: 'payment_terms',
            sourceField: 'Payment_Terms__c',
            kind,
            at,
            expected: PAYMENT_TERMS[terms].crm,
            actual: account.Payment_Terms__c,
          });
        }
        erp.modifiedAt = at;
        return true;
      }
      case 'late_propagation': {
        const delay = Math.round(this.scenario.slaSeconds * (1.5 + rng.next() * 2.5)) * 1000;
        const candidates = t.orders.filter(
          (o) => o.history.length >= 2 && o.history[o.history.length - 1].at + delay <= this.epoch,
        );
        if (candidates.length === 0) return false;
        const order = rng.pick(candidates);
        const opp = crm.opportunities.find((o) => o.record.ERP_Order_Number__c === order.orderNumber);
        if (!opp) return false;
        const changedAt = order.history[order.history.length - 1].at;
        opp.record.Order_Status_Changed__c = sfDateTime(changedAt + delay);
        opp.modifiedAt = changedAt + delay;
        this.log.recordPropagationDrift({
          entity: 'order',
          key: order.orderNumber,
          sourceKey: opp.record.Id as string,
          kind,
          at: changedAt,
          expected: CRM_ORDER_STATUS[order.status],
          actual: CRM_ORDER_STATUS[order.status],
          delaySeconds: delay / 1000,
        });
        return true;
      }
      case 'missing': {
        if (rng.chance(0.3) && c.support) {
          this.recordDrift({
            system: 'support',
            entity: 'customer',
            key: t.customerNumber,
            sourceKey: String(c.support.organization.id),
            kind,
            at: t.createdAt,
          });
          c.support = null;
          return true;
        }
        this.recordDrift({
          system: 'crm',
          entity: 'customer',
          key: t.customerNumber,
          sourceKey: accountId,
          kind,
          at: t.createdAt,
        });
        for (const o of crm.opportunities)
          this.recordDrift({
            system: 'crm',
            entity: 'order',
            key: o.record.ERP_Order_Number__c as string,
            sourceKey: o.record.Id as string,
            kind,
            at: Date.parse(String(o.record.CreatedDate).replace('+0000', 'Z')),
          });
        for (const s of crm.shipments)
          this.recordDrift({
            system: 'crm',
            entity: 'shipment',
            key: s.orderNumber,
            sourceKey: s.record.Id as string,
            kind,
            at: s.arrivals[0],
          });
        for (const contact of crm.contacts)
          this.recordDrift({
            system: 'crm',
            entity: 'contact',
            key: contact.record.Email as string,
            sourceKey: contact.record.Id as string,
            kind,
            at: t.createdAt,
          });
        c.crm = null;
        return true;
      }
      case 'orphan': {
        if (t.orders.length > 0) {
          const order = rng.pick(t.orders);
          this.orphanOrder(c, order);
          erp.orders = erp.orders.filter((o) => o.record.SalesOrderNumber !== order.orderNumber);
          return true;
        }
        // No orders: the whole customer is gone from the ERP, left behind in the CRM and the support desk.
        this.recordDrift({
          system: 'crm',
          entity: 'customer',
          key: t.customerNumber,
          sourceKey: accountId,
          kind,
          at: t.modifiedAt,
        });
        if (c.support)
          this.recordDrift({
            system: 'support',
            entity: 'customer',
            key: t.customerNumber,
            sourceKey: String(c.support.organization.id),
            kind,
            at: t.modifiedAt,
          });
        // Its contact persons went with it: the CRM's contacts are missing from the ERP.
        for (const contact of erp.contacts)
          this.recordDrift({
            system: 'erp',
            entity: 'contact',
            key: contact.record.PrimaryEmailAddress as string,
            sourceKey: contact.record.ContactPersonId as string,
            kind,
            variation: 'customer_removed',
            at: t.modifiedAt,
          });
        c.erp = null;
        return true;
      }
      case 'contact_not_propagated':
        return this.contactNotPropagated(c, rng);
      case 'duplicate': {
        const dup: SfRecord = {
          ...account,
          Id: salesforceId('001', DUPLICATE_ID_BASE + t.index),
          ERP_Customer_Number__c: rng.chance(0.5) ? null : t.customerNumber,
        };
        const variations = [
          'typo',
          'legal_form',
          'case',
          'whitespace',
          ...(t.billing.line2 ? ['swapped_address_lines'] : []),
        ];
        const variation = rng.pick(variations);
        switch (variation) {
          case 'typo':
            dup.Name = `${typo(t.tradingName, rng)} ${t.legalSuffix}`;
            break;
          case 'legal_form':
            dup.Name = `${t.tradingName} ${LEGAL_FORM_VARIANTS[t.legalSuffix] ?? t.legalSuffix.toUpperCase()}`;
            break;
          case 'case':
            dup.Name = rng.chance(0.5) ? t.legalName.toUpperCase() : t.legalName.toLowerCase();
            break;
          case 'whitespace':
            dup.Name = ` ${t.legalName.replace(' ', '  ')} `;
            break;
          default:
            dup.BillingStreet = `${t.billing.line2}\n${t.billing.line1}`;
        }
        const at = this.later(rng, crm.accountModifiedAt);
        dup.CreatedDate = sfDateTime(at);
        c.crmDuplicates.push({ record: dup, modifiedAt: at });
        this.recordDrift({
          system: 'crm',
          entity: 'customer',
          key: t.customerNumber,
          sourceKey: dup.Id as string,
          kind,
          at,
          variation,
          actual: variation === 'swapped_address_lines' ? dup.BillingStreet : dup.Name,
        });
        return true;
      }
      case 'hierarchy_change': {
        const expected = account.ParentId;
        let actual: string | null = null;
        if (!expected || rng.chance(0.5)) {
          if (t.index < 2) return false;
          let parent = t.index - 1 - rng.int(Math.min(t.index, 100));
          if (parent >= 0 && (accountIdOf(parent) === expected || !this.parentUsable(parent))) parent = -1;
          if (parent < 0) return false;
          actual = accountIdOf(parent);
        }
        if (actual === expected) return false;
        const at = this.later(rng, crm.accountModifiedAt);
        account.ParentId = actual;
        crm.accountModifiedAt = at;
        this.entry({
          system: 'crm',
          entity: 'customer',
          key: t.customerNumber,
          sourceKey: accountId,
          field: 'parent_key',
          sourceField: 'ParentId',
          kind,
          at,
          expected,
          actual,
        });
        return true;
      }
      case 'credit_hold_not_in_crm': {
        if (t.credit.hold) return false;
        const at = this.later(rng, Math.max(crm.accountModifiedAt, erp.modifiedAt));
        erp.customer.OnHoldStatus = erpOnHoldStatus({ status: t.status, credit: { ...t.credit, hold: true } });
        erp.modifiedAt = at;
        this.entry({
          system: 'crm',
          entity: 'credit_profile',
          key: t.customerNumber,
          sourceKey: accountId,
          field: 'credit_hold',
          sourceField: 'Credit_Hold__c',
          kind,
          at,
          expected: true,
          actual: false,
        });
        return true;
      }
      case 'orphan_parent': {
        // The parent account was deleted in the CRM but the child still points at it.
        const dangling = salesforceId('001', DELETED_PARENT_ID_BASE + t.index);
        const at = this.later(rng, crm.accountModifiedAt);
        this.entry({
          system: 'crm',
          entity: 'customer',
          key: t.customerNumber,
          sourceKey: accountId,
          field: 'parent_key',
          sourceField: 'ParentId',
          kind,
          variation: 'dangling_reference',
          at,
          expected: account.ParentId,
          actual: dangling,
        });
        account.ParentId = dangling;
        crm.accountModifiedAt = at;
        return true;
      }
      case 'order_status_stuck': {
        const candidates = t.orders.filter((o) => o.history.length >= 2);
        if (candidates.length === 0) return false;
        const order = rng.pick(candidates);
        const opp = crm.opportunities.find((o) => o.record.ERP_Order_Number__c === order.orderNumber);
        if (!opp) return false;
        const previous = order.history[order.history.length - 2];
        // The previous status reached the CRM as late as the integration's usual delay for this order.
        const arrival = previous.at + (opp.modifiedAt - order.history[order.history.length - 1].at);
        opp.record.Order_Status__c = CRM_ORDER_STATUS[previous.status];
        opp.record.Order_Status_Changed__c = sfDateTime(arrival);
        opp.record.StageName = previous.status === 'draft' ? 'Proposal/Price Quote' : 'Closed Won';
        opp.modifiedAt = arrival;
        this.log.recordPropagationDrift({
          entity: 'order',
          key: order.orderNumber,
          sourceKey: opp.record.Id as string,
          kind,
          at: order.history[order.history.length - 1].at,
          expected: CRM_ORDER_STATUS[order.status],
          actual: CRM_ORDER_STATUS[previous.status],
        });
        return true;
      }
    }
  }

  /**
   * The WMS → CRM shipment integration fails for some customers that have no other drift, at the
   * scenario's `late_propagation` and `not_propagated` rates: one shipment's latest milestone reaches
   * the CRM 1.5–4 × `slaSeconds` after the WMS recorded it, or never (the CRM keeps the milestone
   * before it). Drawn from a stream of its own, so every other draw stays as it was.
   */
  private applyShipmentDrift(c: CustomerCopies): void {
    const crm = c.crm!;
    const rates = this.scenario.rates;
    const rng = new Prng(mixSeed(this.scenario.seed, c.truth.index, SHIPMENT_DRIFT_STREAM));
    const u = rng.next();
    const late = u < rates.late_propagation;
    if (!late && u >= rates.late_propagation + rates.not_propagated) return;
    const shipments = crm.shipments.map((copy) => ({
      copy,
      milestones: c.truth.orders.find((o) => o.orderNumber === copy.orderNumber)!.shipment!.milestones,
    }));
    if (late) {
      const delay = Math.round(this.scenario.slaSeconds * (1.5 + rng.next() * 2.5)) * 1000;
      const candidates = shipments.filter((s) => s.milestones[s.milestones.length - 1].at + delay <= this.epoch);
      if (candidates.length === 0) return;
      const { copy, milestones } = rng.pick(candidates);
      const last = milestones[milestones.length - 1];
      const arrived = last.at + delay;
      copy.arrivals[copy.arrivals.length - 1] = arrived;
      copy.modifiedAt = arrived;
      if (copy.arrivals.length === 1) copy.record.CreatedDate = sfDateTime(arrived);
      this.log.recordPropagationDrift({
        entity: 'shipment',
        key: copy.orderNumber,
        sourceKey: copy.record.Id as string,
        kind: 'late_propagation',
        at: last.at,
        expected: CRM_MILESTONE[last.status],
        actual: CRM_MILESTONE[last.status],
        delaySeconds: delay / 1000,
      });
      return;
    }
    const candidates = shipments.filter((s) => s.milestones.length >= 2);
    if (candidates.length === 0) return;
    const { copy, milestones } = rng.pick(candidates);
    const last = milestones[milestones.length - 1];
    const previous = milestones[milestones.length - 2];
    Object.assign(copy.record, crmMilestoneFields(previous.status, previous.at));
    copy.arrivals.pop();
    copy.modifiedAt = copy.arrivals[copy.arrivals.length - 1];
    copy.record.CreatedDate = sfDateTime(Math.min(copy.arrivals[0], copy.modifiedAt));
    this.log.recordPropagationDrift({
      entity: 'shipment',
      key: copy.orderNumber,
      sourceKey: copy.record.Id as string,
      kind: 'not_propagated',
      at: last.at,
      expected: CRM_MILESTONE[last.status],
      actual: CRM_MILESTONE[previous.status],
    });
  }

  private parentUsable(index: number): boolean {
    const k = driftKindOf(this.scenario, index);
    return k !== 'missing' && k !== 'orphan';
  }

  private orphanOrder(c: CustomerCopies, order: OrderTruth): void {
    const opp = c.crm!.opportunities.find((o) => o.record.ERP_Order_Number__c === order.orderNumber);
    if (opp)
      this.recordDrift({
        system: 'crm',
        entity: 'order',
        key: order.orderNumber,
        sourceKey: opp.record.Id as string,
        kind: 'orphan',
        at: order.createdAt,
      });
    const shipment = c.wms.find((s) => s.record.order_number === order.orderNumber);
    if (shipment)
      this.recordDrift({
        system: 'wms',
        entity: 'shipment',
        key: order.orderNumber,
        sourceKey: shipment.record.id,
        kind: 'orphan',
        at: order.createdAt,
      });
  }
}
