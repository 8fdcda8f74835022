import { startEstate, type RunningEstate } from '../../estate/estate';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

describe('Support desk (Zendesk subset) over HTTP', () => {
  let estate: RunningEstate;
  const auth = () => ({
    Authorization: `Basic ${Buffer.from(`${estate.support.email}/token:${estate.support.apiToken}`).toString('base64')}`,
  });
  const get = (path: string) => fetch(`${estate.support.baseUrl}${path}`, { headers: auth() });

  beforeAll(async () => {
    estate = await startEstate({ customers: 1300, seed: 3 });
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('rejects bad credentials the Zendesk way', async () => {
    const res = await fetch(`${estate.support.baseUrl}/api/v2/organizations.json`, {
      headers: { Authorization: 'Basic eDp5' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Couldn't authenticate you" });
  });

  it('exports all organizations incrementally with after_cursor until end_of_stream', async () => {
    let url: string | null = '/api/v2/incremental/organizations?start_time=0&per_page=500';
    const ids: number[] = [];
    let pages = 0;
    while (url) {
      const body = (await (await get(url)).json()) as {
        organizations: { id: number }[];
        after_cursor: string;
        end_of_stream: boolean;
      };
      pages++;
      for (const o of body.organizations) ids.push(o.id);
      expect(body).toHaveProperty('after_cursor');
      url = body.end_of_stream ? null : `/api/v2/incremental/organizations?cursor=${body.after_cursor}&per_page=500`;
    }
    expect(pages).toBe(3);
    expect(ids).toHaveLength(1300);
    expect(new Set(ids).size).toBe(1300);
    const again = await (
      await get(`/api/v2/incremental/organizations?start_time=${Math.floor(Date.now() / 1000) + 60}`)
    ).json();
    expect(again.organizations).toHaveLength(0);
    expect(again.end_of_stream).toBe(true);
  });

  it('picks up a changed organization after the last cursor', async () => {
    let body = await (await get('/api/v2/incremental/organizations?start_time=0')).json();
    while (!body.end_of_stream)
      body = await (await get(`/api/v2/incremental/organizations?cursor=${body.after_cursor}`)).json();
    const cursor = body.after_cursor;
    const org = (await (await get('/api/v2/organizations.json?page[size]=1')).json()).organizations[0];
    const put = await fetch(`${estate.support.baseUrl}/api/v2/organizations/${org.id}.json`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization: { notes: 'Key account' } }),
    });
    expect(put.status).toBe(200);
    const next = await (await get(`/api/v2/incremental/organizations?cursor=${cursor}`)).json();
    expect(next.organizations.map((o: { id: number }) => o.id)).toEqual([org.id]);
    expect(next.organizations[0].notes).toBe('Key account');
    const invalid = await fetch(`${estate.support.baseUrl}/api/v2/organizations/${org.id}.json`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization: { name: '' } }),
    });
    expect(invalid.status).toBe(422);
    expect((await invalid.json()).error).toBe('RecordInvalid');
  });

  it('lists organizations with cursor pagination, finds by external_id and links tickets', async () => {
    const first = await (await get('/api/v2/organizations.json?page[size]=100')).json();
    expect(first.organizations).toHaveLength(100);
    expect(first.meta.has_more).toBe(true);
    const second = await (await fetch(first.links.next, { headers: auth() })).json();
    expect(second.organizations[0].id).toBeGreaterThan(first.organizations[99].id);
    const found = await (
      await get(`/api/v2/organizations/search.json?external_id=${first.organizations[0].external_id}`)
    ).json();
    expect(found.organizations[0].id).toBe(first.organizations[0].id);
    const tickets = await (await get('/api/v2/incremental/tickets/cursor.json?start_time=0')).json();
    expect(tickets.tickets.length).toBeGreaterThan(0);
    const t = tickets.tickets[0];
    const orgTickets = await (await get(`/api/v2/organizations/${t.organization_id}/tickets.json`)).json();
    expect(orgTickets.tickets.map((x: { id: number }) => x.id)).toContain(t.id);
  });

  it('throttles with 429 and Retry-After', async () => {
    await fetch(`${estate.support.baseUrl}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next: ['throttle'] }),
    });
    const res = await get('/api/v2/organizations.json');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
  });
});
