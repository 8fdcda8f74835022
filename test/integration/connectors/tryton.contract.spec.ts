import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Secret } from '../../../backend/src/connectors/config/secret';
import type { FieldChange, RecordChange } from '../../../backend/src/connectors/connector';
import { TrytonConnector } from '../../../backend/src/connectors/tryton/tryton.connector';
import type { TrytonRpcClient } from '../../../backend/src/connectors/tryton/tryton-rpc.client';
import { collect, describeConnectorContract } from './support/connector-contract';
import { FaultProxy } from './support/fault-proxy';
import { racingFetch } from './support/racing-fetch';
import { ensureCompany, ensureCountry, ensureTryton, trytonCall } from './support/tryton-server';

const SEEDED = 120;
const PAGE = 25;
const run = `t${randomBytes(3).toString('hex')}`;
/** party.party fields of the canonical customer fields the contract touches. */
const SOURCE_FIELDS: Record<string, string> = { legalName: 'name', customerNumber: 'code' };

function trytonConnector(url: string, password: string, database: string, fetchImpl?: typeof fetch) {
  return new TrytonConnector(
    {
      id: 'erp',
      kind: 'tryton',
      baseUrl: url,
      auth: { type: 'none' },
      pageSize: PAGE,
      timeoutMs: 10_000,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      settings: {
        database,
        username: 'admin',
        password: new Secret(password, 'test'),
        // This run's parties only: the Tryton database is reused across runs.
        domains: { customer: [['code', 'like', `${run}-%`]] },
      },
    },
    { fetch: fetchImpl },
  );
}

/** The JSON-RPC method a request calls (`model.party.party.write`). */
const rpcMethod = (init?: RequestInit) =>
  typeof init?.body === 'string' ? ((JSON.parse(init.body) as { method?: string }).method ?? '') : '';
const isRpcCall = (method: string) => (_: string, init?: RequestInit) => rpcMethod(init) === method;
/** The connector's first call that changes data, whatever model it goes to: the write a race must meet. */
const isFirstWrite = (_: string, init?: RequestInit) => /\.(write|create|delete)$/.test(rpcMethod(init));
/** The connector's first model call after it read the party to plan a write (any check of its own comes after). */
const isAfterRead = (_: string, init?: RequestInit) =>
  /^model\.(?!party\.party\.search_read$|res\.user\.get_preferences$)/.test(rpcMethod(init));

describeConnectorContract(
  'Tryton (real trytond)',
  { faults: ['throttle', 'outage', 'drop'], writes: true },
  async () => {
    const server = ensureTryton();
    const de = await ensureCountry(server, 'DE', 'Germany');
    const parties = Array.from({ length: SEEDED }, (_, i) => ({
      code: `${run}-${String(i).padStart(4, '0')}`,
      name: `${run} Customer ${i} GmbH`,
      addresses: [['create', [{ street: `Hauptstraße ${i}`, postal_code: '10115', city: 'Berlin', country: de }]]],
      contact_mechanisms: [
        [
          'create',
          [
            { type: 'email', value: `buyer${i}@${run}.example` },
            { type: 'phone', value: `030 555${String(i).padStart(4, '0')}` },
          ],
        ],
      ],
    }));
    await trytonCall(server, 'model.party.party.create', [parties, {}]);
    const proxy = new FaultProxy(server.url);
    await proxy.start();
    const connector = trytonConnector(proxy.url, server.password, server.database);
    let seeded = SEEDED;
    return {
      connector,
      entity: 'customer',
      get seeded() {
        return seeded;
      },
      pageSize: PAGE,
      async touch(key, field, value) {
        const sourceField = SOURCE_FIELDS[field];
        if (!sourceField) throw new Error(`touch ${field}`);
        await trytonCall(server, 'model.party.party.write', [[Number(key)], { [sourceField]: value }, {}]);
      },
      writable: { field: 'legalName', value: (n) => `${run} Renamed ${n} AG` },
      // Another field of the party row: its edit moves the party's `_timestamp` that guards our writes.
      // The code stays in this run's domain.
      sibling: { field: 'customerNumber', value: (n) => `${run}-sibling-${n}` },
      racing: (edit) =>
        trytonConnector(
          server.url,
          server.password,
          server.database,
          racingFetch(isRpcCall('model.party.party.write'), edit),
        ),
      faults: {
        throttle: async () => proxy.next('throttle'),
        outage: async () => proxy.next('outage', 'outage'),
        // The first page request is cut off half-way through its body.
        drop: async () => proxy.next('drop'),
      },
      faultsHit: async () => proxy.injected.length,
      async malform() {
        // Real bad data a real ERP accepts: a party without a name and a phone nobody can dial.
        await trytonCall(server, 'model.party.party.create', [
          [
            { code: `${run}-bad-1` },
            {
              code: `${run}-bad-2`,
              name: `${run} Bad Phone`,
              contact_mechanisms: [['create', [{ type: 'phone', value: 'call me maybe' }]]],
            },
          ],
          {},
        ]);
        seeded += 2;
      },
      close: () => proxy.stop(),
    };
  },
);

describe('Tryton connector specifics', () => {
  it('maps addresses, contact mechanisms and country to canonical customers', async () => {
    const server = ensureTryton();
    const de = await ensureCountry(server, 'DE', 'Germany');
    const code = `${run}-x-1`;
    const [id] = (await trytonCall(server, 'model.party.party.create', [
      [
        {
          code,
          name: 'Specifics GmbH',
          addresses: [['create', [{ street: 'Alexanderplatz 1', postal_code: '10178', city: 'Berlin', country: de }]]],
          contact_mechanisms: [
            [
              'create',
              [
                { type: 'email', value: 'AP@Specifics.example' },
                { type: 'phone', value: '030 1234567' },
              ],
            ],
          ],
        },
      ],
      {},
    ])) as number[];
    const connector = trytonConnector(server.url, server.password, server.database);
    const [record] = await connector.read('customer', [String(id)]);
    expect(record.fields).toMatchObject({
      customerNumber: code,
      legalName: 'Specifics GmbH',
      country: 'DE',
      billingAddress: { line1: 'Alexanderplatz 1', city: 'Berlin', postalCode: '10178', country: 'DE' },
      email: 'ap@specifics.example',
      phone: '+49301234567',
      status: 'active',
    });
    expect(record.sourceUpdatedAt).toBeInstanceOf(Date);

    // Writes to the address and the phone go to Tryton's address and contact mechanism records.
    const result = await connector.apply(
      {
        entity: 'customer',
        sourceKey: String(id),
        changes: [
          { field: 'billingAddress.city', expectedOld: 'Berlin', newValue: 'Potsdam' },
          { field: 'phone', expectedOld: '+49301234567', newValue: '+49331765432' },
        ],
      },
      'specifics-1',
    );
    expect(result).toEqual({ outcome: 'applied' });
    const [after] = await connector.read('customer', [String(id)]);
    expect(after.fields.billingAddress.city).toBe('Potsdam');
    expect(after.fields.phone).toBe('+49331765432');
  });

  it('refuses a write that is not in the mapping as writable', async () => {
    const server = ensureTryton();
    const connector = trytonConnector(server.url, server.password, server.database);
    const { records } = await collect(connector.extract('customer', { mode: 'full' }));
    const result = await connector.apply(
      {
        entity: 'customer',
        sourceKey: records[0].sourceKey,
        changes: [{ field: 'country', expectedOld: 'DE', newValue: 'FR' }],
      },
      'specifics-2',
    );
    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('not writable') });
  });

  it('extracts and writes credit limits (account_credit_limit), a concurrent edit refused by Tryton', async () => {
    const server = ensureTryton();
    // Credit limits are per company in Tryton (a MultiValue): every call works in the company.
    const { company } = await ensureCompany(server);
    const code = `${run}-credit-1`;
    const [id] = (await trytonCall(server, 'model.party.party.create', [
      [{ code, name: 'Credit Check KG', credit_limit_amount: { __class__: 'Decimal', decimal: '15000.00' } }],
      { company },
    ])) as number[];
    const connector = trytonConnector(server.url, server.password, server.database);
    const [credit] = await connector.read('credit_profile', [String(id)]);
    expect(credit.fields).toMatchObject({ customerNumber: code, creditLimit: 15000 });
    const raise = (from: number, to: number) =>
      connector.apply(
        {
          entity: 'credit_profile',
          sourceKey: String(id),
          changes: [{ field: 'creditLimit', expectedOld: from, newValue: to }],
        },
        `${run}-credit-${from}-${to}`,
      );
    expect(await raise(15000, 25000)).toEqual({ outcome: 'applied' });
    const raw = (await trytonCall(server, 'model.party.party.read', [[id], ['credit_limit_amount'], { company }])) as {
      credit_limit_amount: { decimal: string };
    }[];
    expect(Number(raw[0].credit_limit_amount.decimal)).toBe(25000);
    // Someone in Tryton lowers it between our read and our write: Tryton's _timestamp check refuses ours.
    const racing = trytonConnector(server.url, server.password, server.database);
    const original = (racing as unknown as { rpc: { model: (...a: unknown[]) => Promise<unknown> } }).rpc;
    const model = original.model.bind(original);
    let raced = false;
    original.model = async (...args: unknown[]) => {
      if (!raced && args[0] === 'party.party' && args[1] === 'write') {
        raced = true;
        await trytonCall(server, 'model.party.party.write', [
          [id],
          { credit_limit_amount: { __class__: 'Decimal', decimal: '5000.00' } },
          { company },
        ]);
      }
      return model(...args);
    };
    const result = await racing.apply(
      {
        entity: 'credit_profile',
        sourceKey: String(id),
        changes: [{ field: 'creditLimit', expectedOld: 25000, newValue: 40000 }],
      },
      `${run}-credit-race`,
    );
    expect(result).toMatchObject({ outcome: 'conflict', reason: expect.stringContaining('Tryton refused') });
    const [after] = await connector.read('credit_profile', [String(id)]);
    expect(after.fields.creditLimit).toBe(5000);
  });

  it('refuses to overwrite a credit limit edited in the same second as the version it read', async () => {
    // Tryton on SQLite keeps `_timestamp` in whole seconds: its own check cannot see such an edit.
    const server = ensureTryton();
    const { company } = await ensureCompany(server);
    const limit = (decimal: string) => ({ credit_limit_amount: { __class__: 'Decimal', decimal } });
    const [id] = (await trytonCall(server, 'model.party.party.create', [
      [{ code: `${run}-credit-2`, name: 'Same Second KG', ...limit('25000.00') }],
      { company },
    ])) as number[];
    const racing = trytonConnector(server.url, server.password, server.database);
    const rpc = (racing as unknown as { rpc: TrytonRpcClient }).rpc;
    const model = rpc.model.bind(rpc);
    const modelAt = rpc.modelAt.bind(rpc);
    const versionOf = async () =>
      ((await model('party.party', 'read', [[id], ['_timestamp']])) as { _timestamp: string }[])[0]._timestamp;
    await racing.health(); // logged in, so the calls below follow each other within milliseconds
    // Start a fresh second, write the version the connector will read, and lower the limit right after
    // its read (as someone in Tryton would), all within that second. A slow machine can miss the
    // second: the scenario then runs again (the connector is only judged on a same-second edit).
    const attempt = async (n: number) => {
      await sleep(1000 - (Date.now() % 1000));
      await model('party.party', 'write', [[id], limit('25000.00')]);
      let read: string | undefined;
      let edited: string | undefined;
      rpc.modelAt = async (...args: Parameters<TrytonRpcClient['modelAt']>) => {
        const answer = await modelAt(...args);
        if (read === undefined && args[0] === 'party.party' && args[1] === 'search_read') {
          read = (answer.result as { _timestamp: string }[])[0]._timestamp;
          await model('party.party', 'write', [[id], limit('5000.00')]);
          edited = await versionOf();
        }
        return answer;
      };
      const result = await racing.apply(
        {
          entity: 'credit_profile',
          sourceKey: String(id),
          changes: [{ field: 'creditLimit', expectedOld: 25000, newValue: 40000 }],
        },
        `${run}-credit-same-second-${n}`,
      );
      rpc.modelAt = modelAt;
      return { read, edited, result };
    };
    let outcome = await attempt(0);
    for (let n = 1; n < 5 && outcome.edited !== outcome.read; n++) outcome = await attempt(n);
    const { read, edited, result } = outcome;
    // The case this proves: Tryton sees the version the connector read and the edit as one version.
    expect(edited).toBe(read);
    expect(result).toMatchObject({ outcome: 'conflict', currentValues: { creditLimit: 5000 } });
    const [after] = await racing.read('credit_profile', [String(id)]);
    expect(after.fields.creditLimit).toBe(5000);
  });

  it('extracts sales and moves their status through the workflow, refusing impossible moves', async () => {
    const server = ensureTryton();
    const { company, currency } = await ensureCompany(server);
    const de = await ensureCountry(server, 'DE', 'Germany');
    const code = `${run}-buyer-1`;
    const [party] = (await trytonCall(server, 'model.party.party.create', [
      [
        {
          code,
          name: 'Sales Buyer AG',
          addresses: [['create', [{ street: 'Markt 1', postal_code: '04109', city: 'Leipzig', country: de }]]],
        },
      ],
      {},
    ])) as number[];
    const [{ addresses }] = (await trytonCall(server, 'model.party.party.read', [[party], ['addresses'], {}])) as {
      addresses: number[];
    }[];
    const sale = (description: string) => ({
      party,
      company,
      currency,
      invoice_address: addresses[0],
      shipment_address: addresses[0],
      description,
    });
    const ids = (await trytonCall(server, 'model.sale.sale.create', [
      [sale(`${run} one`), sale(`${run} two`), sale(`${run} three`)],
      { company },
    ])) as number[];
    const connector = trytonConnector(server.url, server.password, server.database);
    const orders = await connector.read('order', ids.map(String));
    expect(orders).toHaveLength(3);
    expect(orders[0].fields).toMatchObject({
      customerKey: String(party),
      customerNumber: code,
      status: 'draft',
      total: 0,
    });
    expect(orders[0].fields.currency).toBe('EUR');

    const since = new Date(Date.now() - 1000);
    const move = (id: number, from: string, to: string, key: string) =>
      connector.apply(
        { entity: 'order', sourceKey: String(id), changes: [{ field: 'status', expectedOld: from, newValue: to }] },
        `${run}-${key}`,
      );
    // draft → confirmed runs quote, then confirm (a sale without lines is then processed at once).
    expect(await move(ids[0], 'draft', 'confirmed', 'sale-1')).toEqual({ outcome: 'applied' });
    const [confirmed] = await connector.read('order', [String(ids[0])]);
    expect(['confirmed', 'processing', 'delivered']).toContain(confirmed.fields.status);
    expect(confirmed.fields.orderNumber).not.toBe('');
    expect(await move(ids[1], 'draft', 'cancelled', 'sale-2')).toEqual({ outcome: 'applied' });
    // Someone confirmed the third sale meanwhile: it no longer holds the expected draft.
    await trytonCall(server, 'model.sale.sale.quote', [[ids[2]], { company }]);
    await trytonCall(server, 'model.sale.sale.confirm', [[ids[2]], { company }]);
    expect((await move(ids[2], 'draft', 'cancelled', 'sale-3')).outcome).toBe('conflict');
    // No workflow step leads from a cancelled sale to a confirmed one, nor to "done" (Tryton's own).
    expect(await move(ids[1], 'cancelled', 'confirmed', 'sale-4')).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringContaining('no workflow step'),
    });
    const delta = await collect(connector.extract('order', { mode: 'incremental', since }));
    expect(delta.keys).toEqual(expect.arrayContaining(ids.map(String)));
  });
});

/**
 * A party's billing address and email are records of their own in Tryton (party.address,
 * party.contact_mechanism): someone editing them between the connector's read and its write must
 * keep their edit, and a fix-up whose record was refused must leave nothing of itself behind.
 */
describe('Tryton writes of addresses and contact mechanisms, raced by an edit in Tryton', () => {
  let server: ReturnType<typeof ensureTryton>;
  let de: number;

  beforeAll(async () => {
    server = ensureTryton();
    de = await ensureCountry(server, 'DE', 'Germany');
  }, 600_000);

  /** A party with one address and the given contact mechanisms; its id. */
  async function seedParty(name: string, mechanisms: { type: string; value: string }[]): Promise<number> {
    const [id] = (await trytonCall(server, 'model.party.party.create', [
      [
        {
          code: `${run}-${name}`,
          name: `${name} GmbH`,
          addresses: [['create', [{ street: 'Lindenstraße 1', postal_code: '10969', city: 'Berlin', country: de }]]],
          contact_mechanisms: [['create', mechanisms]],
        },
      ],
      {},
    ])) as number[];
    return id;
  }

  /** Records as Tryton holds them, read past the connector. */
  type Raw = Record<string, unknown>;
  const raw = async (model: string, domain: unknown[], fields: string[]) =>
    (await trytonCall(server, `model.${model}.search_read`, [domain, 0, null, null, fields, {}])) as Raw[];
  const isEmail = ['type', '=', 'email'];
  const emailsOf = async (party: number) =>
    (await raw('party.contact_mechanism', [['party', '=', party], isEmail], ['value'])).map((m) => m.value);
  const addressOf = async (party: number) =>
    (await raw('party.address', [['party', '=', party]], ['street', 'city']))[0];
  const racing = (match: (url: string, init?: RequestInit) => boolean, edit: () => Promise<unknown>) =>
    trytonConnector(server.url, server.password, server.database, racingFetch(match, edit));
  const customerChange = (id: number, changes: FieldChange[]): RecordChange => ({
    entity: 'customer',
    sourceKey: String(id),
    changes,
  });

  it('keeps an address line edited in Tryton between the read and the write, the fix-up a conflict', async () => {
    const id = await seedParty('race-street', [{ type: 'email', value: 'ap@race-street.example' }]);
    const { id: address } = await addressOf(id);
    const connector = racing(isFirstWrite, () =>
      trytonCall(server, 'model.party.address.write', [[address], { street: 'Lindenstraße 9' }, {}]),
    );
    const result = await connector.apply(
      customerChange(id, [
        { field: 'billingAddress.line1', expectedOld: 'Lindenstraße 1', newValue: 'Lindenstraße 2' },
      ]),
      `${run}-race-street`,
    );
    expect(result).toMatchObject({
      outcome: 'conflict',
      reason: expect.stringContaining('Tryton refused'),
      currentValues: { 'billingAddress.line1': 'Lindenstraße 9' },
    });
    expect((await addressOf(id)).street).toBe('Lindenstraße 9');
  });

  it('keeps an email edited in Tryton between the read and the write, the fix-up a conflict', async () => {
    const id = await seedParty('race-email', [{ type: 'email', value: 'ap@race-email.example' }]);
    const [{ id: mechanism }] = await raw('party.contact_mechanism', [['party', '=', id]], ['id']);
    const connector = racing(isFirstWrite, () =>
      trytonCall(server, 'model.party.contact_mechanism.write', [
        [mechanism],
        { value: 'billing@race-email.example' },
        {},
      ]),
    );
    const result = await connector.apply(
      customerChange(id, [{ field: 'email', expectedOld: 'ap@race-email.example', newValue: 'ar@race-email.example' }]),
      `${run}-race-email`,
    );
    expect(result).toMatchObject({
      outcome: 'conflict',
      reason: expect.stringContaining('Tryton refused'),
      currentValues: { email: 'billing@race-email.example' },
    });
    expect(await emailsOf(id)).toEqual(['billing@race-email.example']);
  });

  it('adds no second email when one was added in Tryton after the read, the fix-up a conflict', async () => {
    const id = await seedParty('race-new-email', [{ type: 'phone', value: '030 5550100' }]);
    const connector = racing(isAfterRead, () =>
      trytonCall(server, 'model.party.contact_mechanism.create', [
        [{ party: id, type: 'email', value: 'billing@race-new-email.example' }],
        {},
      ]),
    );
    const result = await connector.apply(
      customerChange(id, [{ field: 'email', expectedOld: '', newValue: 'ap@race-new-email.example' }]),
      `${run}-race-new-email`,
    );
    expect(result).toMatchObject({
      outcome: 'conflict',
      reason: expect.stringContaining('added in Tryton'),
      currentValues: { email: 'billing@race-new-email.example' },
    });
    expect(await emailsOf(id)).toEqual(['billing@race-new-email.example']);
  });

  it('adds no second email when one was added on the party form just before the write, the fix-up a conflict', async () => {
    const id = await seedParty('race-form-email', [{ type: 'phone', value: '030 5550101' }]);
    // The Tryton client saves a party's contact mechanisms with the party: party.party.write.
    const connector = racing(isFirstWrite, () =>
      trytonCall(server, 'model.party.party.write', [
        [id],
        { contact_mechanisms: [['create', [{ type: 'email', value: 'billing@race-form-email.example' }]]] },
        {},
      ]),
    );
    const result = await connector.apply(
      customerChange(id, [{ field: 'email', expectedOld: '', newValue: 'ap@race-form-email.example' }]),
      `${run}-race-form-email`,
    );
    expect(result).toMatchObject({
      outcome: 'conflict',
      reason: expect.stringContaining('Tryton refused'),
      currentValues: { email: 'billing@race-form-email.example' },
    });
    expect(await emailsOf(id)).toEqual(['billing@race-form-email.example']);
  });

  it('writes none of a fix-up of name, address and email when its email was edited meanwhile', async () => {
    const id = await seedParty('race-all', [{ type: 'email', value: 'ap@race-all.example' }]);
    const [{ id: mechanism }] = await raw('party.contact_mechanism', [['party', '=', id]], ['id']);
    const connector = racing(isFirstWrite, () =>
      trytonCall(server, 'model.party.contact_mechanism.write', [
        [mechanism],
        { value: 'billing@race-all.example' },
        {},
      ]),
    );
    const result = await connector.apply(
      customerChange(id, [
        { field: 'legalName', expectedOld: 'race-all GmbH', newValue: 'race-all AG' },
        { field: 'billingAddress.city', expectedOld: 'Berlin', newValue: 'Potsdam' },
        { field: 'email', expectedOld: 'ap@race-all.example', newValue: 'ar@race-all.example' },
      ]),
      `${run}-race-all`,
    );
    expect(result).toMatchObject({
      outcome: 'conflict',
      reason: expect.stringContaining('Tryton refused'),
      currentValues: { legalName: 'race-all GmbH', 'billingAddress.city': 'Berlin', email: 'billing@race-all.example' },
    });
    const [party] = await raw('party.party', [['id', '=', id]], ['name']);
    expect(party.name).toBe('race-all GmbH');
    expect((await addressOf(id)).city).toBe('Berlin');
  });
});
