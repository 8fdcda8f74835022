import { startEstate, type RunningEstate } from '../estate/estate';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

describe('faults over HTTP', () => {
  let estate: RunningEstate;
  const wms = (path: string) =>
    fetch(`${estate.wms.baseUrl}${path}`, { headers: { Authorization: `Bearer ${estate.wms.apiKey}` } });
  const setFaults = async (faults: unknown) =>
    fetch(`${estate.wms.baseUrl}/__admin/faults`, { method: 'POST', body: JSON.stringify(faults) });

  beforeAll(async () => {
    estate = await startEstate({ customers: 500, seed: 2 });
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('serves a malformed record when told to (bad date, null required field, overlong string)', async () => {
    await setFaults({ next: ['malformed'] });
    const page = await (await wms('/api/v1/shipments?limit=10')).json();
    const bad = page.data[0];
    const isBad =
      bad.updated_at === '2024-02-30T25:61:00Z' || bad.order_number === null || bad.tracking_number.length > 60_000;
    expect(isBad).toBe(true);
    const clean = await (await wms('/api/v1/shipments?limit=10')).json();
    expect(clean.data[0].order_number).toMatch(/^SO-/);
  });

  it('delays a response when told to be slow', async () => {
    await setFaults({ next: ['slow'], slowMs: 300 });
    const t = Date.now();
    expect((await wms('/api/v1/shipments?limit=1')).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });

  it('applies rates deterministically and counts what it injected', async () => {
    await setFaults({ outageRate: 0.5, outageStatus: 502 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await wms('/api/v1/shipments?limit=1')).status);
    expect(statuses.filter((s) => s === 502).length).toBeGreaterThan(8);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(8);
    const stats = await (await fetch(`${estate.wms.baseUrl}/__admin/stats`)).json();
    expect(stats.faultsInjected.outage).toBe(statuses.filter((s) => s === 502).length);
    await setFaults({});
  });

  it('rejects an invalid fault configuration', async () => {
    const res = await setFaults({ outageRate: 2 });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/outageRate/);
  });

  it('mutates a record in the estate through the admin endpoint', async () => {
    const id = (await (await wms('/api/v1/shipments?limit=1')).json()).data[0].id;
    const res = await fetch(`${estate.wms.baseUrl}/__admin/mutate`, {
      method: 'POST',
      body: JSON.stringify({ entity: 'shipments', key: id, fields: { carrier: 'Pony Express' } }),
    });
    expect(res.status).toBe(200);
    expect((await (await wms(`/api/v1/shipments/${id}`)).json()).carrier).toBe('Pony Express');
  });
});
