import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadScenarioFile, parseScenario, DEFAULT_SCENARIO } from '../drift/drift-scenario';
import { CRM_MILESTONE } from '../systems/crm/salesforce.store';
import { startEstate, type RunningEstate } from './estate';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

const waitFor = async (check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return check();
};

const lastDigits = (phone: unknown) => String(phone).replace(/\D/g, '').slice(-7);

describe('continuous mode', () => {
  let estate: RunningEstate;

  beforeAll(async () => {
    const scenario = parseScenario({
      name: 'live',
      continuous: {
        intervalMs: 3_600_000,
        newOrdersPerTick: 5,
        statusMovesPerTick: 20,
        editsPerTick: 5,
        contactEditsPerTick: 5,
        driftProbability: 0,
        propagationDelayMs: 10,
        addressPropagationDelayMs: [10, 40],
      },
    });
    estate = await startEstate({ customers: 600, seed: 8, scenario, continuous: true });
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('takes new orders in the ERP and propagates them to the CRM shortly after', async () => {
    const before = estate.stores.erp.table('SalesOrderHeadersV2').size;
    const oppsBefore = estate.stores.crm.opportunities.size;
    estate.continuous!.tick();
    expect(estate.stores.erp.table('SalesOrderHeadersV2').size).toBe(before + 5);
    expect(await waitFor(() => estate.stores.crm.opportunities.size === oppsBefore + 5)).toBe(true);
    expect(estate.groundTruth()).toHaveLength(0);
  });

  it('moves orders along and the CRM follows without drift', async () => {
    for (let i = 0; i < 5; i++) estate.continuous!.tick();
    await new Promise((r) => setTimeout(r, 100));
    const token = (
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
    const since = new Date(Date.now() - 60_000).toISOString();
    const recent = await (
      await fetch(
        `${estate.crm.baseUrl}/services/data/v60.0/query?q=${encodeURIComponent(`SELECT ERP_Order_Number__c, Order_Status__c FROM Opportunity WHERE SystemModstamp > ${since}`)}`,
        {
          headers: { Authorization: `Bearer ${token}` },
        },
      )
    ).json();
    expect(recent.totalSize).toBeGreaterThan(10);
    const erp = estate.stores.erp.table('SalesOrderHeadersV2');
    const statusOf = new Map([...erp.rowsInOrder()].map((r) => [r.record.SalesOrderNumber, r.record]));
    const crmWord: Record<string, string> = {
      'Backorder/None': 'Draft',
      'Backorder/Confirmed': 'Confirmed',
      'Backorder/Picked': 'In Fulfillment',
      'Delivered/PackingSlipPosted': 'Shipped',
      'Invoiced/Invoiced': 'Delivered',
    };
    for (const r of recent.records) {
      const o = statusOf.get(r.ERP_Order_Number__c)!;
      expect([r.ERP_Order_Number__c, r.Order_Status__c]).toEqual([
        r.ERP_Order_Number__c,
        crmWord[`${String(o.SalesOrderStatus)}/${String(o.SalesOrderProcessingStatus)}`],
      ]);
    }
  });

  it('copies each WMS milestone to the CRM shipment shortly after, with the warehouse time', async () => {
    const since = Date.now();
    for (let i = 0; i < 5; i++) estate.continuous!.tick();
    const crm = estate.stores.crm;
    const moved = [...estate.stores.wms.shipments.rowsInOrder()].filter(
      (r) => r.modifiedAt >= since && crm.opportunityIdByOrderNumber(r.record.order_number),
    );
    expect(moved.length).toBeGreaterThan(3);
    const copied = () =>
      moved.every((r) => {
        const id = crm.shipmentIdByNumber(r.record.id);
        const copy = id ? crm.shipments.get(id)?.record : undefined;
        const last = r.record.milestones[r.record.milestones.length - 1];
        return (
          copy?.Milestone__c === CRM_MILESTONE[r.record.status] &&
          Date.parse(String(copy.Milestone_Date__c).replace('+0000', 'Z')) === Date.parse(last.at) &&
          copy.Tracking_Number__c === r.record.tracking_number &&
          crm.opportunities.get(String(copy.Opportunity__c))?.record.ERP_Order_Number__c === r.record.order_number
        );
      });
    expect(await waitFor(copied)).toBe(true);
    expect(estate.groundTruth()).toHaveLength(0);
  });

  it('copies CRM contact title changes to the ERP contact person shortly after', async () => {
    const since = Date.now();
    estate.continuous!.tick();
    const people = estate.stores.erp.table('CDSContactPersonsV2');
    const erpTitleOf = (email: unknown) =>
      [...people.rowsInOrder()].find((r) => r.record.PrimaryEmailAddress === email)?.record.EmploymentProfession;
    const edited = [...estate.stores.crm.contacts.rowsInOrder()].filter((r) => r.modifiedAt >= since);
    expect(edited.length).toBeGreaterThan(0);
    // Before the integration ran the systems disagree; after, the ERP holds the CRM's title.
    expect(edited.some((r) => erpTitleOf(r.record.Email) !== r.record.Title)).toBe(true);
    expect(await waitFor(() => edited.every((r) => erpTitleOf(r.record.Email) === r.record.Title))).toBe(true);
    expect(estate.groundTruth()).toHaveLength(0);
  });

  it('moves customers in the ERP and copies the new billing address to the CRM after the integration delay', async () => {
    const customers = estate.stores.erp.table('CustomersV3');
    const billing = (accountId: string) => {
      const a = estate.stores.crm.accounts.get(accountId)?.record;
      return [a?.BillingCity, a?.BillingPostalCode, a?.BillingState];
    };
    const since = Date.now();
    // Half of a tick's customer edits are moves (the PRNG is seeded from the clock): tick until one moved.
    let moved: { record: Record<string, unknown> }[] = [];
    for (let i = 0; i < 10 && moved.length === 0; i++) {
      estate.continuous!.tick();
      moved = [...customers.rowsInOrder()].filter((r) => r.modifiedAt >= since);
    }
    expect(moved.length).toBeGreaterThan(0);
    const pairs = moved.map((r) => ({
      erp: [r.record.AddressCity, r.record.AddressZipCode, r.record.AddressState],
      accountId: estate.stores.crm.accountIdsByCustomerNumber(String(r.record.CustomerAccount))[0],
    }));
    // The ERP moved first; the CRM follows after the integration's delay.
    expect(pairs.some((p) => JSON.stringify(billing(p.accountId)) !== JSON.stringify(p.erp))).toBe(true);
    expect(
      await waitFor(() => pairs.every((p) => JSON.stringify(billing(p.accountId)) === JSON.stringify(p.erp))),
    ).toBe(true);
    expect(estate.groundTruth()).toHaveLength(0);
  });

  it('never lets a later change overtake a move on its way: the CRM ends with every ERP address', async () => {
    const small = await startEstate({
      customers: 20,
      seed: 5,
      scenario: parseScenario({
        continuous: {
          intervalMs: 3_600_000,
          newOrdersPerTick: 0,
          statusMovesPerTick: 0,
          editsPerTick: 20,
          contactEditsPerTick: 0,
          driftProbability: 0,
          propagationDelayMs: 5,
          addressPropagationDelayMs: [5, 80],
        },
      }),
      continuous: true,
    });
    try {
      // Twenty customers, twenty edits a tick: were a moving customer picked again, a second move would
      // race the first to the CRM and the earlier address arrive last.
      for (let i = 0; i < 5; i++) {
        small.continuous!.tick();
        await new Promise((r) => setTimeout(r, 20));
      }
      const addresses = () =>
        [...small.stores.erp.table('CustomersV3').rowsInOrder()].map(({ record }) => {
          const [accountId] = small.stores.crm.accountIdsByCustomerNumber(String(record.CustomerAccount));
          const account = small.stores.crm.accounts.get(accountId)?.record;
          return {
            erp: [record.AddressCity, record.AddressZipCode, record.AddressState],
            crm: [account?.BillingCity, account?.BillingPostalCode, account?.BillingState],
          };
        });
      expect(await waitFor(() => addresses().every((a) => JSON.stringify(a.erp) === JSON.stringify(a.crm)))).toBe(true);
      expect(small.groundTruth()).toHaveLength(0);
    } finally {
      await small.stop();
    }
  });

  it('logs drift it injects while running', async () => {
    const drifting = await startEstate({
      customers: 300,
      seed: 9,
      scenario: parseScenario({
        continuous: {
          intervalMs: 3_600_000,
          newOrdersPerTick: 0,
          statusMovesPerTick: 10,
          // Half phones, half moves, each drifting one of two ways: enough that every way shows.
          editsPerTick: 40,
          contactEditsPerTick: 5,
          driftProbability: 1,
          propagationDelayMs: 10,
        },
      }),
      continuous: true,
    });
    try {
      drifting.continuous!.tick();
      const kinds = new Set(drifting.groundTruth().map((e) => e.kind));
      expect(drifting.groundTruth().length).toBeGreaterThan(5);
      for (const k of kinds)
        expect([
          'field_edit',
          'not_propagated',
          'late_propagation',
          'order_status_stuck',
          'contact_not_propagated',
        ]).toContain(k);
      // Phone drift lives in the ERP's copy (the CRM owns the phone): edited there, or a CRM change it never got.
      const customers = [...drifting.stores.erp.table('CustomersV3').rowsInOrder()];
      const phones = drifting.groundTruth().filter((x) => x.field === 'phone');
      expect(new Set(phones.map((e) => e.kind))).toEqual(new Set(['field_edit', 'not_propagated']));
      for (const e of phones) {
        const erp = customers.find((r) => r.record.CustomerAccount === e.sourceKey);
        expect([e.system, erp?.record.PrimaryContactPhone]).toEqual(['erp', e.actual]);
        // What the ERP should hold is the CRM's phone (each system spells it its own way).
        const [accountId] = drifting.stores.crm.accountIdsByCustomerNumber(e.key);
        const crmPhone = drifting.stores.crm.accounts.get(accountId)?.record.Phone;
        expect([e.kind, lastDigits(crmPhone)]).toEqual([e.kind, lastDigits(e.expected)]);
        expect(lastDigits(e.actual)).not.toBe(lastDigits(e.expected));
      }
      // Address drift lives in the CRM's copy (the ERP owns the address): a move it never got, or an edit of its city.
      const addresses = drifting.groundTruth().filter((x) => x.field?.startsWith('billing_'));
      expect(new Set(addresses.map((e) => e.kind))).toEqual(new Set(['field_edit', 'not_propagated']));
      const erpField = {
        billing_city: 'AddressCity',
        billing_postal_code: 'AddressZipCode',
        billing_region: 'AddressState',
      };
      for (const e of addresses) {
        const erp = customers.find((r) => r.record.CustomerAccount === e.key)?.record;
        const crm = drifting.stores.crm.accounts.get(String(e.sourceKey))?.record;
        const field = e.field as keyof typeof erpField;
        expect([e.system, e.key, crm?.[String(e.sourceField)], erp?.[erpField[field]]]).toEqual([
          'crm',
          e.key,
          e.actual,
          e.expected,
        ]);
        expect(e.expected).not.toEqual(e.actual);
      }
      // Contact title changes the CRM → ERP integration lost: the CRM has the new title, the ERP the old.
      const contacts = drifting.groundTruth().filter((x) => x.kind === 'contact_not_propagated');
      expect(contacts.length).toBeGreaterThan(0);
      const people = [...drifting.stores.erp.table('CDSContactPersonsV2').rowsInOrder()];
      const crmContacts = [...drifting.stores.crm.contacts.rowsInOrder()];
      for (const e of contacts) {
        const person = people.find((r) => r.record.ContactPersonId === e.sourceKey)?.record;
        const crmContact = crmContacts.find((r) => r.record.Email === e.key)?.record;
        expect([e.key, person?.EmploymentProfession, crmContact?.Title]).toEqual([e.key, e.actual, e.expected]);
        expect(e.expected).not.toEqual(e.actual);
      }
      // Shipment milestones the WMS → CRM integration lost or holds back: the CRM copy stays as it was.
      const shipments = drifting.groundTruth().filter((x) => x.entity === 'shipment');
      expect(shipments.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 50));
      for (const e of shipments) {
        const id = drifting.stores.crm.shipmentIdByNumber(drifting.stores.wms.shipmentIdForOrder(e.key)!);
        const copy = id ? drifting.stores.crm.shipments.get(id)?.record : undefined;
        expect([e.key, copy?.Milestone__c ?? null]).toEqual([e.key, e.actual]);
        expect(e.expected).not.toEqual(e.actual);
      }
    } finally {
      await drifting.stop();
    }
  });
});

describe('scenario files and persistence', () => {
  it('loads the shipped YAML and JSON scenarios and rejects bad ones with a clear message', () => {
    const yaml = loadScenarioFile(join(__dirname, '../../scenarios/default.yaml'));
    expect(yaml).toEqual(DEFAULT_SCENARIO);
    expect(loadScenarioFile(join(__dirname, '../../scenarios/heavy.json')).rates.missing).toBe(0.02);
    expect(() => parseScenario({ rates: { missng: 0.1 } })).toThrow(/invalid drift scenario: rates/);
    expect(() => parseScenario({ rates: { missing: 0.7, duplicate: 0.6 } })).toThrow(/add up to 1.3/);
  });

  it('journals writes and replays them when the data dir is reopened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-'));
    const first = await startEstate({ customers: 200, seed: 4, dataDir: dir, scenario: 'default' });
    const token = (
      await (
        await fetch(first.crm.tokenUrl, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: first.crm.clientId,
            client_secret: first.crm.clientSecret,
          }),
        })
      ).json()
    ).access_token;
    const patch = await fetch(
      `${first.crm.baseUrl}/services/data/v60.0/sobjects/Account/ERP_Customer_Number__c/C000005`,
      {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ Website: 'https://persisted.example' }),
      },
    );
    expect(patch.status).toBeLessThan(300);
    await first.stop();
    const truth = readFileSync(join(dir, 'ground-truth.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
    expect(truth.length).toBe(first.groundTruth().length);
    const second = await startEstate({ customers: 999, dataDir: dir });
    try {
      expect(second.manifest.customers).toBe(200);
      const id = second.stores.crm.accountIdsByCustomerNumber('C000005')[0];
      expect(second.stores.crm.accounts.get(id)?.record.Website).toBe('https://persisted.example');
    } finally {
      await second.stop();
    }
  });

  it('replays a journaled delete once: not journaled again, external-id index updated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'estate-'));
    const first = await startEstate({ customers: 50, seed: 4, dataDir: dir });
    const [id] = first.stores.crm.accountIdsByCustomerNumber('C000007');
    expect(first.stores.crm.delete('Account', id)).toBe(true);
    await first.stop();
    const journal = join(dir, 'crm', 'journal.jsonl');
    const lines = () => readFileSync(journal, 'utf8').trim().split('\n').length;
    expect(lines()).toBe(1);
    for (let reopen = 0; reopen < 2; reopen++) {
      const again = await startEstate({ dataDir: dir });
      try {
        expect(again.stores.crm.accounts.get(id)).toBeUndefined();
        expect(again.stores.crm.accountIdsByCustomerNumber('C000007')).toEqual([]);
      } finally {
        await again.stop();
      }
    }
    expect(lines()).toBe(1);
  });

  it('serves a single system when asked, leaving the others unbuilt', async () => {
    const crmOnly = await startEstate({ customers: 100, seed: 4, systems: ['crm'] });
    try {
      expect(crmOnly.crm.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(crmOnly.erp.baseUrl).toBe('');
      expect(crmOnly.stores.crm.accounts.size).toBe(100);
      expect(crmOnly.stores.erp.table('CustomersV3').size).toBe(0);
    } finally {
      await crmOnly.stop();
    }
    await expect(startEstate({ customers: 10, systems: ['crm'], continuous: true })).rejects.toThrow(
      /continuous mode needs all four/,
    );
  });
});
