import type { RunningEstate } from '@driftwatch/demo-estate';
import { InMemoryApplyLedger } from '../../../backend/src/connectors/apply-ledger';
import type { Connector, RecordChange } from '../../../backend/src/connectors/connector';
import { DynamicsConnector } from '../../../backend/src/connectors/dynamics/dynamics.connector';
import { SalesforceConnector } from '../../../backend/src/connectors/salesforce/salesforce.connector';
import { collect } from './support/connector-contract';
import { mutate, startSmallEstate } from './support/estate-harness';
import { crmAuth, erpAuth } from '../support/estate-auth';

/**
 * Idempotency keys against the estate, which counts the writes it receives per record: a key is
 * written at most once, whatever happens to the record afterwards and however often or concurrently
 * the key is replayed; without the ledger (a restarted process) the conditional write still never
 * clobbers, and a target already holding the value is not written again.
 */
describe('idempotent corrective writes (estate write counts per record)', () => {
  let estate: RunningEstate;

  beforeAll(async () => {
    estate = await startSmallEstate(200);
  });
  afterAll(async () => {
    await estate.stop();
  });

  const writesByKey = async (system: 'crm' | 'erp'): Promise<Record<string, number>> =>
    ((await (await fetch(`${estate[system].baseUrl}/__admin/stats`)).json()) as { writesByKey: Record<string, number> })
      .writesByKey;

  const salesforce = (ledger = new InMemoryApplyLedger()) =>
    new SalesforceConnector(
      {
        id: 'crm',
        kind: 'salesforce',
        baseUrl: estate.crm.baseUrl,
        auth: crmAuth(estate),
        pageSize: 200,
        timeoutMs: 10_000,
        settings: {},
      },
      { applyLedger: ledger },
    );
  const dynamics = (ledger = new InMemoryApplyLedger()) =>
    new DynamicsConnector(
      {
        id: 'erp',
        kind: 'dynamics',
        baseUrl: estate.erp.baseUrl,
        auth: erpAuth(estate),
        pageSize: 200,
        timeoutMs: 10_000,
        settings: {},
      },
      { applyLedger: ledger },
    );

  const systems = [
    {
      name: 'Salesforce',
      system: 'crm' as const,
      build: salesforce,
      statsKey: (key: string) => `Account/${key}`,
      edit: (key: string, name: string) => mutate(estate, 'crm', 'Account', key, { Name: name }),
    },
    {
      name: 'Dynamics',
      system: 'erp' as const,
      build: dynamics,
      statsKey: (key: string) => {
        const row = [...estate.stores.erp.table('CustomersV3').rowsInOrder()].find(
          (r) => r.record.CustomerAccount === key,
        )!;
        return `CustomersV3/${String(row.record.dataAreaId)}|${key.toLowerCase()}`;
      },
      edit: (key: string, name: string) => {
        const row = [...estate.stores.erp.table('CustomersV3').rowsInOrder()].find(
          (r) => r.record.CustomerAccount === key,
        )!;
        return mutate(estate, 'erp', 'CustomersV3', `${String(row.record.dataAreaId)}|${key}`, {
          OrganizationName: name,
        });
      },
    },
  ];

  describe.each(systems)('$name', ({ system, build, statsKey, edit }) => {
    let connector: Connector;
    let targets: { key: string; name: string }[];
    const rename = (t: { key: string; name: string }, to: string, from = t.name): RecordChange => ({
      entity: 'customer',
      sourceKey: t.key,
      changes: [{ field: 'legalName', expectedOld: from, newValue: to }],
    });

    beforeAll(async () => {
      connector = build();
      const { records } = await collect(connector.extract('customer', { mode: 'full' }));
      targets = records.slice(20, 24).map((r) => ({ key: r.sourceKey, name: r.fields.legalName }));
    });

    it('writes a key once; replays after later edits (even back to the old value) write nothing', async () => {
      const t = targets[0];
      expect(await connector.apply(rename(t, 'Idempotent One Ltd'), `${system}-k1`)).toEqual({ outcome: 'applied' });
      expect((await writesByKey(system))[statsKey(t.key)]).toBe(1);
      await edit(t.key, 'Someone Else Ltd');
      expect((await connector.apply(rename(t, 'Idempotent One Ltd'), `${system}-k1`)).outcome).toBe('already_applied');
      await edit(t.key, t.name);
      expect((await connector.apply(rename(t, 'Idempotent One Ltd'), `${system}-k1`)).outcome).toBe('already_applied');
      expect((await writesByKey(system))[statsKey(t.key)]).toBe(1);
    });

    it('the same key sent concurrently is written once', async () => {
      const t = targets[1];
      const change = rename(t, 'Concurrent Two Ltd');
      const outcomes = await Promise.all([1, 2, 3].map(() => connector.apply(change, `${system}-k2`)));
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already_applied', 'already_applied', 'applied']);
      expect((await writesByKey(system))[statsKey(t.key)]).toBe(1);
    });

    it('after a restart (fresh ledger) a replay compares values: no write when the value is in, no clobber otherwise', async () => {
      const t = targets[2];
      expect((await connector.apply(rename(t, 'Restart Three Ltd'), `${system}-k3`)).outcome).toBe('applied');
      const restarted = build(new InMemoryApplyLedger());
      expect((await restarted.apply(rename(t, 'Restart Three Ltd'), `${system}-k3`)).outcome).toBe('already_applied');
      await edit(t.key, 'Edited After Restart Ltd');
      const again = build(new InMemoryApplyLedger());
      expect((await again.apply(rename(t, 'Restart Three Ltd'), `${system}-k3`)).outcome).toBe('conflict');
      expect((await writesByKey(system))[statsKey(t.key)]).toBe(1);
    });
  });

  it('Salesforce applyMany: replays from the ledger, a key given twice written once', async () => {
    const connector = salesforce();
    const { records } = await collect(connector.extract('customer', { mode: 'full' }));
    const [a, b] = records.slice(40, 42);
    const change = (r: (typeof records)[number], to: string): RecordChange => ({
      entity: 'customer',
      sourceKey: r.sourceKey,
      changes: [{ field: 'legalName', expectedOld: r.fields.legalName, newValue: to }],
    });
    const first = await connector.applyMany([
      { change: change(a, 'Batch A Ltd'), idempotencyKey: 'batch-a' },
      { change: change(a, 'Batch A Ltd'), idempotencyKey: 'batch-a' },
      { change: change(b, 'Batch B Ltd'), idempotencyKey: 'batch-b' },
    ]);
    expect(first.map((r) => r.outcome)).toEqual(['applied', 'already_applied', 'applied']);
    await mutate(estate, 'crm', 'Account', a.sourceKey, { Name: 'Moved On Ltd' });
    const replay = await connector.applyMany([
      { change: change(a, 'Batch A Ltd'), idempotencyKey: 'batch-a' },
      { change: change(b, 'Batch B Two Ltd'), idempotencyKey: 'batch-b' },
    ]);
    expect(replay.map((r) => r.outcome)).toEqual(['already_applied', 'rejected']);
    const counts = await writesByKey('crm');
    expect([counts[`Account/${a.sourceKey}`], counts[`Account/${b.sourceKey}`]]).toEqual([1, 1]);
  });
});
