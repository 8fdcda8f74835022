import { startEstate, type RunningEstate } from '../../estate/estate';

declare global {
  interface Response {
    // Test bodies are asserted field by field; typing every vendor shape here would add nothing.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

describe('CRM (Salesforce REST subset) over HTTP', () => {
  let estate: RunningEstate;
  let token: string;
  const api = (path: string) => `${estate.crm.baseUrl}/services/data/v60.0${path}`;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const query = async (soql: string) => fetch(api(`/query?q=${encodeURIComponent(soql)}`), { headers: auth() });

  beforeAll(async () => {
    estate = await startEstate({ customers: 2500, seed: 7 });
    const res = await fetch(estate.crm.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: estate.crm.clientId,
        client_secret: estate.crm.clientSecret,
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.instance_url).toBe(estate.crm.baseUrl);
    expect(body.token_type).toBe('Bearer');
    token = body.access_token;
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('rejects bad client credentials with an OAuth error', async () => {
    const res = await fetch(estate.crm.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'invalid client credentials' });
  });

  it('answers 401 INVALID_SESSION_ID without a valid token', async () => {
    const res = await fetch(api('/query?q=SELECT+Id+FROM+Account'), { headers: { Authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID', fields: [] },
    ]);
  });

  it('pages a full Account query 2,000 at a time through nextRecordsUrl', async () => {
    const first = await (
      await query('SELECT Id, Name, ERP_Customer_Number__c, SystemModstamp FROM Account ORDER BY SystemModstamp, Id')
    ).json();
    expect(first.totalSize).toBe(2500);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v60\.0\/query\/01g[A-Za-z0-9]+-2000$/);
    expect(first.records[0].attributes.type).toBe('Account');
    expect(first.records[0].SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    const second = await (await fetch(`${estate.crm.baseUrl}${first.nextRecordsUrl}`, { headers: auth() })).json();
    expect(second.done).toBe(true);
    expect(second.nextRecordsUrl).toBeUndefined();
    expect(second.records).toHaveLength(500);
    const stamps = [...first.records, ...second.records].map((r: { SystemModstamp: string }) =>
      Date.parse(r.SystemModstamp.replace('+0000', 'Z')),
    );
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(new Set([...first.records, ...second.records].map((r: { Id: string }) => r.Id)).size).toBe(2500);
  });

  it('filters on SystemModstamp and Id with datetime literals, IN and LIMIT', async () => {
    const all = await (
      await query('SELECT Id, SystemModstamp FROM Account ORDER BY SystemModstamp DESC LIMIT 10')
    ).json();
    expect(all.records).toHaveLength(10);
    const pivot = all.records[4].SystemModstamp.replace('+0000', 'Z');
    const newer = await (await query(`SELECT Id FROM Account WHERE SystemModstamp > ${pivot}`)).json();
    expect(newer.totalSize).toBeGreaterThanOrEqual(4);
    const ids = all.records
      .slice(0, 3)
      .map((r: { Id: string }) => `'${r.Id}'`)
      .join(',');
    const byIds = await (await query(`SELECT Id FROM Account WHERE Id IN (${ids})`)).json();
    expect(byIds.totalSize).toBe(3);
    const quoted = await query(`SELECT Id FROM Account WHERE SystemModstamp > '${pivot}'`);
    expect(quoted.status).toBe(400);
    expect((await quoted.json())[0].errorCode).toBe('INVALID_FIELD');
  });

  it('answers Id and external-id filters through the index exactly as a table scan does', async () => {
    // The same condition OR-ed with a never-true Id test has no indexed path: the estate scans.
    const both = async (select: string, condition: string, tail = 'ORDER BY Id') => {
      const indexed = await (await query(`${select} WHERE ${condition} ${tail}`)).json();
      const scanned = await (await query(`${select} WHERE (${condition}) OR Id = '001000000000000' ${tail}`)).json();
      expect(indexed).toEqual(scanned);
      return indexed.records as { Id: string; ERP_Customer_Number__c: string }[];
    };
    const some = (await (await query('SELECT Id, ERP_Customer_Number__c FROM Account ORDER BY Id LIMIT 4')).json())
      .records as { Id: string; ERP_Customer_Number__c: string }[];
    const [a, b, c] = some;
    // 15- and 18-character Ids, a repeated Id, an unknown one and a malformed one.
    const ids = [a.Id.slice(0, 15), b.Id, b.Id.slice(0, 15), '001000000000000AAA', 'nope'].map((v) => `'${v}'`);
    expect((await both('SELECT Id, Name FROM Account', `Id IN (${ids.join(', ')})`)).map((r) => r.Id)).toEqual([
      a.Id,
      b.Id,
    ]);
    expect(await both('SELECT Id FROM Account', `Id = '${c.Id}' AND Name != 'nobody'`)).toEqual([
      { Id: c.Id, attributes: expect.anything() },
    ]);
    expect(await both('SELECT Id FROM Account', `Id = '${c.Id}' AND Name = 'nobody'`)).toEqual([]);
    // External ids compare case-insensitively and may be held by several accounts (duplicates).
    const numbers = [a, b].map((r) => `'${r.ERP_Customer_Number__c.toLowerCase()}'`).join(', ');
    const byNumber = await both(
      'SELECT Id, ERP_Customer_Number__c FROM Account',
      `ERP_Customer_Number__c IN (${numbers})`,
    );
    expect(byNumber.map((r) => r.Id)).toEqual(expect.arrayContaining([a.Id, b.Id]));
    // The index follows writes: after a renumbering the old number finds nothing, the new one the account.
    const renumbered = await fetch(api(`/sobjects/Account/${c.Id}`), {
      method: 'PATCH',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ ERP_Customer_Number__c: 'RENUMBERED-1' }),
    });
    expect(renumbered.status).toBe(204);
    expect(await both('SELECT Id FROM Account', `ERP_Customer_Number__c = '${c.ERP_Customer_Number__c}'`)).toEqual(
      await both(
        'SELECT Id FROM Account',
        `ERP_Customer_Number__c = '${c.ERP_Customer_Number__c}' AND Id != '${c.Id}'`,
      ),
    );
    expect((await both('SELECT Id FROM Account', "ERP_Customer_Number__c = 'renumbered-1'")).map((r) => r.Id)).toEqual([
      c.Id,
    ]);
  });

  it('reports unknown fields, objects and malformed SOQL in Salesforce error bodies', async () => {
    const field = await query('SELECT Id, Nope__c FROM Account');
    expect(field.status).toBe(400);
    expect((await field.json())[0]).toMatchObject({ errorCode: 'INVALID_FIELD' });
    const object = await query('SELECT Id FROM Widget');
    expect((await object.json())[0]).toMatchObject({ errorCode: 'INVALID_TYPE' });
    const malformed = await query('SELECT FROM Account WHERE');
    expect((await malformed.json())[0]).toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });

  it('reads relationship fields on Contact and Opportunity', async () => {
    const res = await (await query('SELECT Id, LastName, Account.ERP_Customer_Number__c FROM Contact LIMIT 3')).json();
    expect(res.records[0].Account.ERP_Customer_Number__c).toMatch(/^C\d{6}$/);
    const opp = await (
      await query(
        "SELECT Id, ERP_Order_Number__c, Order_Status__c FROM Opportunity WHERE Order_Status__c = 'delivered' LIMIT 1",
      )
    ).json();
    expect(opp.records[0].Order_Status__c).toBe('Delivered');
  });

  it('serves one Shipment__c per WMS shipment, paged, with the order number through Opportunity__r', async () => {
    const records: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    let page = await (
      await query(
        'SELECT Id, Name, Opportunity__r.ERP_Order_Number__c, Milestone__c, Milestone_Date__c, Carrier__c, ' +
          'Tracking_Number__c, CreatedDate, SystemModstamp FROM Shipment__c ORDER BY Id',
      )
    ).json();
    const wms = estate.stores.wms.shipments;
    expect(page.totalSize).toBe(wms.size);
    expect(page.done).toBe(false);
    for (;;) {
      records.push(...page.records);
      if (page.done) break;
      page = await (await fetch(`${estate.crm.baseUrl}${page.nextRecordsUrl}`, { headers: auth() })).json();
    }
    expect(records).toHaveLength(wms.size);
    expect(records[0].attributes.type).toBe('Shipment__c');
    expect(records[0].Id).toMatch(/^a0S[A-Za-z0-9]{15}$/);
    const at = (sf: string) => Date.parse(sf.replace('+0000', 'Z'));
    const label = (s: string) => s[0].toUpperCase() + s.slice(1);
    for (const r of records) {
      const shipment = wms.get(r.Name)!.record;
      const last = shipment.milestones[shipment.milestones.length - 1];
      // Copied by the integration: the WMS's values, its milestone time, and a CRM stamp minutes later.
      expect([r.Name, r.Opportunity__r.ERP_Order_Number__c, r.Milestone__c, at(r.Milestone_Date__c)]).toEqual([
        shipment.id,
        shipment.order_number,
        label(shipment.status),
        Date.parse(last.at),
      ]);
      expect([r.Carrier__c, r.Tracking_Number__c]).toEqual([shipment.carrier, shipment.tracking_number]);
      const lag = at(r.SystemModstamp) - Date.parse(last.at);
      expect([r.Name, lag >= 0 && lag <= 480_000]).toEqual([r.Name, true]);
      expect(at(r.CreatedDate)).toBeLessThanOrEqual(at(r.SystemModstamp));
    }
    // Incremental reads filter on the stamp, as for every other object.
    const stamps = records.map((r) => at(r.SystemModstamp)).sort((a, b) => a - b);
    const pivot = stamps[stamps.length - 25];
    const newer = await (
      await query(`SELECT COUNT() FROM Shipment__c WHERE SystemModstamp > ${new Date(pivot).toISOString()}`)
    ).json();
    expect(newer.totalSize).toBe(stamps.filter((s) => s > pivot).length);
    const delivered = await (
      await query("SELECT Id FROM Shipment__c WHERE Milestone__c = 'delivered' AND Opportunity__r.Amount > 0")
    ).json();
    expect(delivered.totalSize).toBe(records.filter((r) => r.Milestone__c === 'Delivered').length);
  });

  it('updates a Shipment__c by Id on If-Unmodified-Since (no ETag: Accounts only), 412 when stale', async () => {
    const [shipment] = (
      await (await query("SELECT Id, LastModifiedDate FROM Shipment__c WHERE Milestone__c = 'Shipped' LIMIT 1")).json()
    ).records;
    const url = api(`/sobjects/Shipment__c/${shipment.Id}`);
    const read = await fetch(url, { headers: auth() });
    expect(read.headers.get('etag')).toBeNull();
    const patch = (headers: Record<string, string>, body: unknown) =>
      fetch(url, {
        method: 'PATCH',
        headers: { ...auth(), 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const since = new Date(Date.parse(shipment.LastModifiedDate.replace('+0000', 'Z'))).toUTCString();
    const fix = {
      Milestone__c: 'Delivered',
      Milestone_Date__c: '2026-01-10T10:00:00.000+0000',
      Tracking_Number__c: 'X1',
    };
    expect((await patch({ 'If-Unmodified-Since': since }, fix)).status).toBe(204);
    expect((await patch({ 'If-Unmodified-Since': since }, { Tracking_Number__c: 'X2' })).status).toBe(412);
    const bad = await patch({}, { Milestone_Date__c: 'soon', LastModifiedDate: '2026-01-01T00:00:00Z' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).map((e: { errorCode: string }) => e.errorCode).sort()).toEqual([
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
    ]);
    const after = await (await fetch(url, { headers: auth() })).json();
    expect(after).toMatchObject(fix);
  });

  it('updates an Account by Id, bumps SystemModstamp and counts the write', async () => {
    const before = (
      await (await query("SELECT Id, SystemModstamp FROM Account WHERE ERP_Customer_Number__c = 'C000010'")).json()
    ).records[0];
    const res = await fetch(api(`/sobjects/Account/${before.Id}`), {
      method: 'PATCH',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ Phone: '(212) 555-0199' }),
    });
    expect(res.status).toBe(204);
    const after = await (await fetch(api(`/sobjects/Account/${before.Id}`), { headers: auth() })).json();
    expect(after.Phone).toBe('(212) 555-0199');
    expect(Date.parse(after.SystemModstamp.replace('+0000', 'Z'))).toBeGreaterThan(
      Date.parse(before.SystemModstamp.replace('+0000', 'Z')),
    );
    const stats = await (await fetch(`${estate.crm.baseUrl}/__admin/stats`)).json();
    expect(stats.writesByKey[`Account/${before.Id}`]).toBe(1);
  });

  it('rejects bad writes with field-level errors', async () => {
    const id = (await (await query('SELECT Id FROM Account LIMIT 1')).json()).records[0].Id;
    const res = await fetch(api(`/sobjects/Account/${id}`), {
      method: 'PATCH',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ Name: '', Credit_Hold__c: 'yes', SystemModstamp: 'x' }),
    });
    expect(res.status).toBe(400);
    const codes = (await res.json()).map((e: { errorCode: string }) => e.errorCode).sort();
    expect(codes).toEqual(['INVALID_FIELD_FOR_INSERT_UPDATE', 'JSON_PARSER_ERROR', 'REQUIRED_FIELD_MISSING']);
    const missing = await fetch(api('/sobjects/Account/001000000000000AAA'), { headers: auth() });
    expect(missing.status).toBe(404);
    expect((await missing.json())[0].errorCode).toBe('NOT_FOUND');
  });

  it('upserts by ERP_Customer_Number__c: 200 on update, 201 on create', async () => {
    const headers = { ...auth(), 'Content-Type': 'application/json' };
    const updated = await fetch(api('/sobjects/Account/ERP_Customer_Number__c/C000020'), {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ Credit_Hold__c: true }),
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ success: true, created: false });
    const created = await fetch(api('/sobjects/Account/ERP_Customer_Number__c/C999999'), {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ Name: 'New Co Inc.' }),
    });
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body).toMatchObject({ success: true, created: true });
    expect(body.id).toMatch(/^001[A-Za-z0-9]{15}$/);
  });

  it('applies composite updates per record and honours allOrNone', async () => {
    const ids = (await (await query('SELECT Id FROM Account ORDER BY Id LIMIT 2')).json()).records.map(
      (r: { Id: string }) => r.Id,
    );
    const headers = { ...auth(), 'Content-Type': 'application/json' };
    const mixed = await fetch(api('/composite/sobjects'), {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        allOrNone: false,
        records: [
          { attributes: { type: 'Account' }, id: ids[0], Website: 'https://a.example' },
          { attributes: { type: 'Account' }, id: ids[1], Name: '' },
        ],
      }),
    });
    const results = await mixed.json();
    expect(results[0]).toEqual({ id: ids[0], success: true, errors: [] });
    expect(results[1].success).toBe(false);
    expect(results[1].errors[0].statusCode).toBe('REQUIRED_FIELD_MISSING');
    const atomic = await (
      await fetch(api('/composite/sobjects'), {
        method: 'PATCH',
        headers,
        body: JSON.stringify({
          allOrNone: true,
          records: [
            { attributes: { type: 'Account' }, id: ids[0], Website: 'https://b.example' },
            { attributes: { type: 'Account' }, id: ids[1], Name: '' },
          ],
        }),
      })
    ).json();
    expect(atomic[0].errors[0].statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    const account = await (await fetch(api(`/sobjects/Account/${ids[0]}`), { headers: auth() })).json();
    expect(account.Website).toBe('https://a.example');
    const tooMany = await fetch(api('/composite/sobjects'), {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        records: Array.from({ length: 201 }, () => ({ attributes: { type: 'Account' }, id: ids[0] })),
      }),
    });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json())[0].errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('honours If-Match on Account ETags and If-Unmodified-Since on any object, 412 when stale', async () => {
    const [account] = (await (await query('SELECT Id FROM Account ORDER BY Id LIMIT 1 OFFSET 40')).json()).records;
    const url = api(`/sobjects/Account/${account.Id}`);
    const read = await fetch(url, { headers: auth() });
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^".+--gzip"$/);
    const lastModified = Date.parse(String((await read.json()).LastModifiedDate).replace('+0000', 'Z'));
    const patch = (headers: Record<string, string>, body: unknown, target = url) =>
      fetch(target, {
        method: 'PATCH',
        headers: { ...auth(), 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const ok = await patch({ 'If-Match': etag }, { Industry: 'Retail' });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('etag')).not.toBe(etag);
    const stale = await patch({ 'If-Match': etag }, { Industry: 'Energy' });
    expect(stale.status).toBe(412);
    expect((await stale.json())[0].errorCode).toBe('PRECONDITION_FAILED');
    expect((await patch({ 'If-Match': 'garbage' }, { Industry: 'Energy' })).status).toBe(400);
    // The record was just written: a date before that write is stale, one after it passes.
    const before = new Date(lastModified).toUTCString();
    expect((await patch({ 'If-Unmodified-Since': before }, { Industry: 'Energy' })).status).toBe(412);
    expect((await patch({ 'If-Unmodified-Since': 'yesterday' }, { Industry: 'Energy' })).status).toBe(400);
    const later = new Date(Date.now() + 2000).toUTCString();
    expect((await patch({ 'If-Unmodified-Since': later }, { Industry: 'Energy' })).status).toBe(204);
    const [contact] = (await (await query('SELECT Id, LastModifiedDate FROM Contact LIMIT 1')).json()).records;
    const contactUrl = api(`/sobjects/Contact/${contact.Id}`);
    expect((await fetch(contactUrl, { headers: auth() })).headers.get('etag')).toBeNull();
    const since = new Date(Date.parse(contact.LastModifiedDate.replace('+0000', 'Z'))).toUTCString();
    expect((await patch({ 'If-Unmodified-Since': since }, { Title: 'Buyer' }, contactUrl)).status).toBe(204);
    expect((await patch({ 'If-Unmodified-Since': since }, { Title: 'Owner' }, contactUrl)).status).toBe(412);
  });

  it('runs /composite subrequests with their own conditional headers, and rolls back allOrNone', async () => {
    const { records } = await (
      await query('SELECT Id, LastModifiedDate FROM Account ORDER BY Id LIMIT 3 OFFSET 60')
    ).json();
    const sinceOf = (r: { LastModifiedDate: string }) =>
      new Date(Date.parse(r.LastModifiedDate.replace('+0000', 'Z'))).toUTCString();
    const composite = (allOrNone: boolean, subrequests: unknown[]) =>
      fetch(api('/composite'), {
        method: 'POST',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ allOrNone, compositeRequest: subrequests }),
      });
    const sub = (i: number, name: string, since: string) => ({
      method: 'PATCH',
      url: `/services/data/v60.0/sobjects/Account/${records[i].Id}`,
      referenceId: `r${i}`,
      body: { Name: name },
      httpHeaders: { 'If-Unmodified-Since': since },
    });
    const stale = new Date(Date.parse(records[2].LastModifiedDate.replace('+0000', 'Z')) - 86_400_000).toUTCString();
    await fetch(`${estate.crm.baseUrl}/__admin/stats/reset`, { method: 'POST' });
    const rolledBack = await composite(true, [
      sub(0, 'All Or None 0', sinceOf(records[0])),
      sub(2, 'All Or None 2', stale),
    ]);
    const rb = (await rolledBack.json()).compositeResponse;
    expect(rb.map((r: { httpStatusCode: number }) => r.httpStatusCode)).toEqual([400, 412]);
    expect(rb[0].body[0].errorCode).toBe('PROCESSING_HALTED');
    expect((await (await fetch(`${estate.crm.baseUrl}/__admin/stats`)).json()).writes).toBe(0);
    const res = await composite(false, [
      sub(0, 'Composite 0', sinceOf(records[0])),
      sub(1, 'Composite 1', sinceOf(records[1])),
      sub(2, 'Composite 2', stale),
      { method: 'GET', url: `/services/data/v60.0/sobjects/Account/${records[1].Id}`, referenceId: 'read1' },
    ]);
    expect(res.status).toBe(200);
    const answers = (await res.json()).compositeResponse;
    expect(answers.map((r: { httpStatusCode: number }) => r.httpStatusCode)).toEqual([204, 204, 412, 200]);
    expect(answers[3].body.Name).toBe('Composite 1');
    expect(answers[3].httpHeaders.ETag).toMatch(/--gzip"$/);
    expect((await (await fetch(`${estate.crm.baseUrl}/__admin/stats`)).json()).writes).toBe(2);
    const tooMany = await composite(
      false,
      Array.from({ length: 26 }, (_, i) => ({ ...sub(0, 'x', stale), referenceId: `t${i}` })),
    );
    expect(tooMany.status).toBe(400);
  });

  it('throttles with REQUEST_LIMIT_EXCEEDED and fails with 503 when told to', async () => {
    await fetch(`${estate.crm.baseUrl}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next: ['throttle', 'outage'] }),
    });
    const throttled = await query('SELECT Id FROM Account LIMIT 1');
    expect(throttled.status).toBe(403);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect((await throttled.json())[0].errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    const down = await query('SELECT Id FROM Account LIMIT 1');
    expect(down.status).toBe(503);
    expect((await query('SELECT Id FROM Account LIMIT 1')).status).toBe(200);
  });

  it('expires tokens on demand', async () => {
    await fetch(`${estate.crm.baseUrl}/__admin/expire-tokens`, { method: 'POST' });
    expect((await query('SELECT Id FROM Account LIMIT 1')).status).toBe(401);
    const res = await fetch(estate.crm.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: estate.crm.clientId,
        client_secret: estate.crm.clientSecret,
      }),
    });
    token = (await res.json()).access_token;
  });
});
