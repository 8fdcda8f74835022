import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CANONICAL_COLUMNS, type EntityKind } from '@driftwatch/reconciliation-rules';
import { RowBinaryEncoder } from '../../../../backend/src/modules/snapshots/snapshot-row.encoder';
import type { SnapshotStoreRepository } from '../../../../backend/src/modules/snapshots/snapshot-store.repository';

type Row = Record<string, string | number>;
export type Estate = Partial<Record<EntityKind, Record<string, Row[]>>>;

const blank = (entity: EntityKind): Row =>
  Object.fromEntries(
    CANONICAL_COLUMNS[entity].map((c): [string, string | number] => [c.name, c.type === 'string' ? '' : 0]),
  );
const num = (i: number) => `C${String(i).padStart(4, '0')}`;
const NAMES = ['Acme', 'Borealis', 'Cobalt', 'Dunmore', 'Elbe', 'Fjord', 'Granite', 'Harbor', 'Iris', 'Juniper'];
const company = (i: number) => `${NAMES[i % NAMES.length]} ${['Trading', 'Logistics', 'Foods'][i % 3]} ${i}`;
const HOUR = 3600;

/**
 * A deterministic estate of `n` customers in the ERP and CRM with every rule kind's kind of drift:
 * changed and missing fields, extra and missing records, duplicate tax ids, wrong parents and orphans,
 * contacts, credit profiles, two orders per customer with late status propagation, and WMS/CRM
 * shipments. `round` 2 heals some drift and adds new drift, so a second run resolves and opens findings.
 */
export function buildEstate(n: number, baseSeconds: number, round: 1 | 2 = 1): Estate {
  const customers: Record<string, Row[]> = { erp: [], crm: [] };
  const contacts: Record<string, Row[]> = { erp: [], crm: [] };
  const credit: Record<string, Row[]> = { erp: [], crm: [] };
  const orders: Record<string, Row[]> = { erp: [], crm: [] };
  const shipments: Record<string, Row[]> = { wms: [], crm: [] };
  const drift = (i: number, every: number) => i % every === 0 && !(round === 2 && i % (every * 2) === 0);

  for (let i = 1; i <= n; i += 1) {
    const cn = num(i);
    for (const system of ['erp', 'crm'] as const) {
      const crm = system === 'crm';
      if (crm && drift(i, 29)) continue; // missing from the CRM
      customers[system].push({
        ...blank('customer'),
        entity_key: `${system}-${cn}`,
        customer_number: cn,
        legal_name: crm && drift(i, 17) ? `${company(i)} Limited` : `${company(i)} GmbH`,
        tax_id: `DE${100000 + i}`,
        billing_address_line1: `${i} Hafenstrasse`,
        billing_address_city: crm && drift(i, 23) ? 'Bremen' : 'Hamburg',
        billing_address_postal_code: String(20000 + i),
        billing_address_country: 'DE',
        country: 'DE',
        parent_key: i % 10 === 0 ? `${system}-${num(crm && drift(i, 30) ? i - 2 : i - 1)}` : '',
        status: 'active',
        phone: !crm && drift(i, 19) ? `+4940${i}9` : `+4940${i}`,
        email: `ap${i}@acme.test`,
      });
      contacts[system].push({
        ...blank('contact'),
        entity_key: `${system}-P${i}`,
        customer_key: `${system}-${cn}`,
        customer_number: cn,
        first_name: `Ann${i}`,
        last_name: 'Meyer',
        email: `ann${i}@acme.test`,
        title: !crm && drift(i, 11) ? 'Buyer' : 'Head of Purchasing',
      });
      const hold = i % 9 === 0 ? 1 : 0;
      credit[system].push({
        ...blank('credit_profile'),
        entity_key: `${system}-K${i}`,
        customer_key: `${system}-${cn}`,
        customer_number: cn,
        credit_limit: crm && drift(i, 7) ? 5000 + i * 10 : 10000 + i * 10,
        currency: 'EUR',
        payment_terms: 'NET30',
        credit_hold: crm && drift(i, 18) ? 0 : hold,
      });
      for (const k of [1, 2]) {
        const on = `O${i}-${k}`;
        if (crm && drift(i, 37)) continue;
        const changed = baseSeconds - 48 * HOUR + i * 60;
        const late = crm ? (i % 6 === 0 ? 30 * 60 : 5 * 60) : 0;
        orders[system].push({
          ...blank('order'),
          entity_key: `${system}-${on}`,
          order_number: on,
          customer_key: `${system}-${cn}`,
          customer_number: cn,
          status: crm && drift(i, 14) && k === 1 ? 'processing' : k === 1 ? 'confirmed' : 'shipped',
          status_changed_at: changed + late,
          total: crm && drift(i, 21) ? 100 * i + 7 : 100 * i,
          currency: 'EUR',
        });
      }
    }
    for (const system of ['wms', 'crm'] as const) {
      const on = `O${i}-2`;
      shipments[system].push({
        ...blank('shipment'),
        entity_key: `${system}-S${i}`,
        order_number: on,
        milestone: system === 'crm' && drift(i, 13) ? 'picked' : 'delivered',
        milestone_at: baseSeconds - 24 * HOUR + i * 60 + (system === 'crm' && drift(i, 15) ? 600 : 0),
        carrier: 'DHL',
        tracking_number: `JD${1000 + i}`,
      });
    }
  }
  // Records only the CRM has, a CRM duplicate of every 31st customer (same tax id), an orphan contact.
  for (let j = 1; j <= 3; j += 1) {
    customers.crm.push({
      ...customers.crm[0],
      entity_key: `crm-X${j}`,
      customer_number: `X${j}`,
      legal_name: `Stray ${j}`,
    });
  }
  for (let i = 31; i <= n; i += 31) {
    const original = customers.crm.find((c) => c.customer_number === num(i));
    if (original) customers.crm.push({ ...original, entity_key: `crm-D${i}`, customer_number: `D${i}` });
  }
  contacts.crm.push({
    ...contacts.crm[0],
    entity_key: 'crm-P-orphan',
    customer_key: 'crm-NOPE',
    email: 'lost@acme.test',
  });
  return { customer: customers, contact: contacts, credit_profile: credit, order: orders, shipment: shipments };
}

/** Writes an estate exactly as the snapshot pipeline finalises complete full snapshots. */
export async function loadEstate(
  store: SnapshotStoreRepository,
  estate: Estate,
  capturedSeconds: number,
  version: number,
): Promise<void> {
  const at = new Date(capturedSeconds * 1000);
  for (const [entity, bySystem] of Object.entries(estate) as [EntityKind, Record<string, Row[]>][]) {
    for (const [system, rows] of Object.entries(bySystem)) {
      const snapshotId = randomUUID();
      const full = rows.map((r) => ({
        ...r,
        system,
        snapshot_id: snapshotId,
        captured_at: capturedSeconds,
        source_updated_at: capturedSeconds,
        raw_excerpt: '',
      }));
      const encoder = new RowBinaryEncoder(entity);
      for (const row of full) encoder.write(row);
      await store.insertRows(entity, Readable.from([encoder.take()], { objectMode: false }));
      await store.recordTransitions(entity, system, snapshotId);
      await store.updateCurrent(entity, system, snapshotId, version);
      await store.markDeletions(entity, system, snapshotId, at, version);
      await store.addToCatalog({
        snapshotId,
        system,
        entity,
        mode: 'full',
        rowCount: full.length,
        rejectCount: 0,
        startedAt: at,
        completedAt: at,
      });
    }
  }
}
