import { startEstate, type RunningEstate } from '../../estate/estate';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

describe('ERP (Dynamics 365 F&O OData subset) over HTTP', () => {
  let estate: RunningEstate;
  let token: string;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${estate.erp.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });

  beforeAll(async () => {
    estate = await startEstate({ customers: 1500, seed: 11, erpPageSize: 1000 });
    const res = await fetch(estate.erp.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: estate.erp.clientId,
        client_secret: estate.erp.clientSecret,
        scope: estate.erp.scope,
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.token_type).toBe('Bearer');
    token = body.access_token;
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('rejects a wrong client secret and a missing token', async () => {
    const bad = await fetch(estate.erp.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: estate.erp.clientId,
        client_secret: 'x',
      }),
    });
    expect(bad.status).toBe(401);
    expect((await bad.json()).error).toBe('invalid_client');
    const res = await fetch(`${estate.erp.baseUrl}/data/CustomersV3`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('Unauthorized');
  });

  it("serves customers' contact persons (CDSContactPersonsV2) in the customer's legal entity, patchable with If-Match", async () => {
    const customers = (await (await get(`/data/CustomersV3?cross-company=true&$top=1`)).json()).value;
    const customer = customers[0];
    const res = await get(
      `/data/CDSContactPersonsV2?cross-company=true&$filter=AssociatedContactNumber eq '${customer.CustomerAccount}'`,
    );
    expect(res.status).toBe(200);
    const contacts = (await res.json()).value;
    expect(contacts.length).toBeGreaterThanOrEqual(1);
    for (const c of contacts) {
      expect(c).toMatchObject({ dataAreaId: customer.dataAreaId, AssociatedContactType: 'Customer', IsInactive: 'No' });
      expect(c.ContactPersonId).toMatch(/^CP\d{8}$/);
      expect(c.PrimaryEmailAddress).toMatch(/@/);
      expect(c.PrimaryPhoneNumber).toMatch(/^\+\d/);
    }
    const contact = contacts[0];
    const url = `${estate.erp.baseUrl}/data/CDSContactPersonsV2(dataAreaId='${contact.dataAreaId}',ContactPersonId='${contact.ContactPersonId}')?cross-company=true`;
    const patch = (etag: string) =>
      fetch(url, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': etag },
        body: JSON.stringify({ EmploymentProfession: 'Head of Purchasing' }),
      });
    expect((await patch(contact['@odata.etag'])).status).toBe(204);
    expect((await patch(contact['@odata.etag'])).status).toBe(412);
    const after = await (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).json();
    expect(after.EmploymentProfession).toBe('Head of Purchasing');
  });

  it('pages cross-company customers with @odata.nextLink and carries @odata.etag on every entity', async () => {
    let url: string | undefined =
      `/data/CustomersV3?cross-company=true&$select=dataAreaId,CustomerAccount,ModifiedDateTime&$orderby=CustomerAccount`;
    const seen: string[] = [];
    let pages = 0;
    while (url) {
      const res = await get(url.replace(estate.erp.baseUrl, ''));
      expect(res.status).toBe(200);
      const body = await res.json();
      pages++;
      for (const c of body.value) {
        expect(c['@odata.etag']).toMatch(/^W\/"/);
        expect(Object.keys(c).sort()).toEqual(['@odata.etag', 'CustomerAccount', 'ModifiedDateTime', 'dataAreaId']);
        seen.push(c.CustomerAccount);
      }
      url = body['@odata.nextLink'];
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(1500);
    expect(seen).toEqual([...seen].sort());
    const companies = await (await get('/data/CustomersV3?$select=dataAreaId&$top=5000')).json();
    expect(new Set(companies.value.map((c: { dataAreaId: string }) => c.dataAreaId))).toEqual(new Set(['usmf']));
  });

  it('filters with eq, gt, ge and and on datetimes, honours $top, $count and Prefer maxpagesize', async () => {
    const latest = await (
      await get(
        '/data/SalesOrderHeadersV2?cross-company=true&$orderby=ModifiedDateTime desc&$top=20&$select=SalesOrderNumber,ModifiedDateTime',
      )
    ).json();
    expect(latest.value).toHaveLength(20);
    const pivot = latest.value[9].ModifiedDateTime;
    const newer = await (
      await get(`/data/SalesOrderHeadersV2?cross-company=true&$filter=ModifiedDateTime gt ${pivot}&$count=true`)
    ).json();
    expect(newer['@odata.count']).toBeGreaterThanOrEqual(9);
    const orderNumber = latest.value[0].SalesOrderNumber;
    const one = await (
      await get(
        `/data/SalesOrderHeadersV2?cross-company=true&$filter=SalesOrderNumber eq '${orderNumber}' and ModifiedDateTime ge ${pivot}`,
      )
    ).json();
    expect(one.value).toHaveLength(1);
    const paged = await get('/data/CustomersV3?cross-company=true', { Prefer: 'odata.maxpagesize=100' });
    expect(paged.headers.get('preference-applied')).toBe('odata.maxpagesize=100');
    const body = await paged.json();
    expect(body.value).toHaveLength(100);
    expect(body['@odata.nextLink']).toContain('%24skip=100');
  });

  it('counts the whole filtered collection whatever $top says, per company or across companies', async () => {
    const all = await (await get('/data/CustomersV3?cross-company=true&$count=true&$top=1')).json();
    expect(all.value).toHaveLength(1);
    expect(all['@odata.count']).toBe(estate.stores.erp.table('CustomersV3').size);
    const usmf = await (await get('/data/CustomersV3?$count=true&$top=1')).json();
    const gbsi = await (
      await get("/data/CustomersV3?cross-company=true&$filter=dataAreaId eq 'gbsi'&$count=true&$top=1")
    ).json();
    expect(usmf['@odata.count']).toBeLessThan(all['@odata.count']);
    expect(gbsi.value[0].dataAreaId).toBe('gbsi');
    expect(usmf['@odata.count'] + gbsi['@odata.count']).toBeLessThanOrEqual(all['@odata.count']);
  });

  it('reads and writes a record of another legal entity by key only with cross-company=true', async () => {
    const other = (await (await get("/data/CustomersV3?cross-company=true&$filter=dataAreaId eq 'demf'&$top=1")).json())
      .value[0];
    const path = `/data/CustomersV3(dataAreaId='demf',CustomerAccount='${other.CustomerAccount}')`;
    expect((await get(path)).status).toBe(404);
    const res = await get(`${path}?cross-company=true`);
    expect(res.status).toBe(200);
    const patch = (url: string) =>
      fetch(`${estate.erp.baseUrl}${url}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'If-Match': '*' },
        body: JSON.stringify({ NameAlias: 'DEMF' }),
      });
    expect((await patch(path)).status).toBe(404);
    expect((await patch(`${path}?cross-company=true`)).status).toBe(204);
    await fetch(`${estate.erp.baseUrl}/__admin/stats/reset`, { method: 'POST' });
  });

  it('serves credit terms on CustomersV3, as F&O does: there is no CustomerCreditLimits entity', async () => {
    const held = await (
      await get(
        "/data/CustomersV3?cross-company=true&$filter=OnHoldStatus ne 'No'&$select=CustomerAccount,CreditLimit,SalesCurrencyCode,PaymentTerms,OnHoldStatus&$top=200",
      )
    ).json();
    expect(held.value.length).toBeGreaterThan(0);
    for (const c of held.value) {
      expect(['Invoice', 'All']).toContain(c.OnHoldStatus);
      expect(c.CreditLimit).toEqual(expect.any(Number));
      expect(c.SalesCurrencyCode).toMatch(/^[A-Z]{3}$/);
    }
    expect((await get('/data/CustomerCreditLimits')).status).toBe(404);
  });

  it('answers bad queries with OData error bodies', async () => {
    const res = await get("/data/CustomersV3?$filter=Nope eq 'x'");
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toHaveProperty('code');
    expect(body.error.innererror.message).toContain("Could not find a property named 'Nope'");
    const syntax = await get('/data/CustomersV3?$filter=CustomerAccount eq');
    expect(syntax.status).toBe(400);
    expect((await get('/data/Widgets')).status).toBe(404);
  });

  it('PATCHes with If-Match, returns a new ETag, and refuses a stale one with 412', async () => {
    const path = "/data/CustomersV3(dataAreaId='usmf',CustomerAccount='C000001')";
    let res = await get(`${path}?cross-company=true`);
    if (res.status === 404) {
      const first = (await (await get('/data/CustomersV3?$top=1&$select=dataAreaId,CustomerAccount')).json()).value[0];
      res = await get(`/data/CustomersV3(dataAreaId='${first.dataAreaId}',CustomerAccount='${first.CustomerAccount}')`);
    }
    expect(res.status).toBe(200);
    const etag = res.headers.get('etag')!;
    const entity = await res.json();
    expect(entity['@odata.etag']).toBe(etag);
    const target = `/data/CustomersV3(dataAreaId='${entity.dataAreaId}',CustomerAccount='${entity.CustomerAccount}')`;
    const patch = (ifMatch: string, body: unknown) =>
      fetch(`${estate.erp.baseUrl}${target}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'If-Match': ifMatch },
        body: JSON.stringify(body),
      });
    const ok = await patch(etag, { PaymentTerms: 'N45' });
    expect(ok.status).toBe(204);
    const newEtag = ok.headers.get('etag');
    expect(newEtag).not.toBe(etag);
    const stale = await patch(etag, { PaymentTerms: 'N60' });
    expect(stale.status).toBe(412);
    expect((await stale.json()).error.message).toContain('ETag');
    const unknown = await patch('*', { Foo: 1 });
    expect(unknown.status).toBe(400);
    const badEnum = await patch('*', { OnHoldStatus: 'Yes' });
    expect(badEnum.status).toBe(400);
    expect((await badEnum.json()).error.innererror.message).toContain('CustVendorBlocked');
    const after = await (await get(target)).json();
    expect(after.PaymentTerms).toBe('N45');
    const stats = await (await fetch(`${estate.erp.baseUrl}/__admin/stats`)).json();
    expect(stats.writes).toBe(1);
  });

  it('throttles with 429 and Retry-After, and can cut a page mid-body', async () => {
    await fetch(`${estate.erp.baseUrl}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next: ['throttle', 'drop'], retryAfterSeconds: 7 }),
    });
    const throttled = await get('/data/CustomersV3?$top=10');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect((await throttled.json()).error.code).toBe('TooManyRequests');
    await expect(get('/data/CustomersV3?$top=500').then((r) => r.text())).rejects.toThrow();
    expect((await get('/data/CustomersV3?$top=1')).status).toBe(200);
  });
});
