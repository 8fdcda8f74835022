import { crmAccessToken } from '../../../estate/crm-access-token';
import { startEstate, type RunningEstate } from '../../../estate/estate';
import { waitFor } from './wait-for';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

// Replies are asserted field by field; typing every Bayeux message here would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reply = Record<string, any>;

const CONNECT_TIMEOUT_MS = 600;
const CLIENT_TIMEOUT_MS = 1500;

describe('CRM Streaming API (Bayeux long-polling) over plain HTTP', () => {
  let estate: RunningEstate;
  let token: string;
  let accountId: string;
  const bayeux = async (messages: unknown, authorization = `OAuth ${token}`, path = ''): Promise<Reply[]> => {
    const res = await fetch(`${estate.crm.cometdUrl}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify(messages),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Reply[];
  };
  const handshake = async (): Promise<string> => {
    const [reply] = await bayeux([
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
    ]);
    return reply.clientId as string;
  };
  const connect = (clientId: string, id = 'c1') =>
    bayeux([{ channel: '/meta/connect', clientId, connectionType: 'long-polling', id }], `OAuth ${token}`, '/connect');
  const changeEvents = async () =>
    (await fetch(`${estate.crm.baseUrl}/__admin/change-events`)).json() as Promise<Record<string, number>>;
  const patchAccount = async (fields: Record<string, unknown>) => {
    const res = await fetch(`${estate.crm.baseUrl}/services/data/v60.0/sobjects/Account/${accountId}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(fields),
    });
    expect(res.status).toBe(204);
  };
  const setFaults = (faults: unknown) =>
    fetch(`${estate.crm.baseUrl}/__admin/faults`, { method: 'POST', body: JSON.stringify(faults) });

  beforeAll(async () => {
    estate = await startEstate({
      customers: 50,
      seed: 5,
      systems: ['crm'],
      crmStreaming: { connectTimeoutMs: CONNECT_TIMEOUT_MS, clientTimeoutMs: CLIENT_TIMEOUT_MS },
    });
    token = await crmAccessToken(estate.crm);
    accountId = estate.stores.crm.accounts.rowsInOrder().next().value!.key;
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('answers a handshake as Salesforce does, echoing the message id', async () => {
    const [reply] = await bayeux({ channel: '/meta/handshake', version: '1.0', id: '1' }, `Bearer ${token}`);
    expect(reply).toEqual({
      channel: '/meta/handshake',
      id: '1',
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: ['long-polling'],
      clientId: expect.stringMatching(/^[0-9a-f]{32}$/),
      successful: true,
      ext: { replay: true, 'payload.format': true },
      advice: { reconnect: 'retry', interval: 0, timeout: CONNECT_TIMEOUT_MS },
    });
  });

  it('takes a form-encoded message field too', async () => {
    const res = await fetch(estate.crm.cometdUrl, {
      method: 'POST',
      headers: { Authorization: `OAuth ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ message: JSON.stringify([{ channel: '/meta/handshake', version: '1.0' }]) }),
    });
    expect((await res.json())[0]).toMatchObject({ channel: '/meta/handshake', successful: true });
  });

  it('answers a connect from an unknown client with 403::Unknown client and handshake advice', async () => {
    expect(await connect('no-such-client')).toEqual([
      {
        channel: '/meta/connect',
        id: 'c1',
        clientId: 'no-such-client',
        successful: false,
        error: '403::Unknown client',
        advice: { reconnect: 'handshake', interval: 0 },
      },
    ]);
  });

  it('refuses a missing or invalid session with 401::Authentication invalid and no reconnect', async () => {
    const [reply] = await bayeux([{ channel: '/meta/handshake', version: '1.0', id: '7' }], 'OAuth not-a-token');
    expect(reply).toEqual({
      channel: '/meta/handshake',
      id: '7',
      ext: { replay: true },
      successful: false,
      error: '401::Authentication invalid',
      advice: { reconnect: 'none' },
    });
  });

  it('refuses a channel the org does not have', async () => {
    const clientId = await handshake();
    const [reply] = await bayeux([{ channel: '/meta/subscribe', clientId, subscription: '/data/LeadChangeEvent' }]);
    expect(reply).toMatchObject({
      successful: false,
      error: '400::The channel you requested to subscribe to does not exist {/data/LeadChangeEvent}',
    });
  });

  it('holds a connect until an event arrives, then answers with the event before the connect reply', async () => {
    const clientId = await handshake();
    const [subscribed] = await bayeux([
      { channel: '/meta/subscribe', clientId, subscription: '/data/AccountChangeEvent', id: 's1' },
    ]);
    expect(subscribed).toEqual({
      channel: '/meta/subscribe',
      id: 's1',
      clientId,
      subscription: '/data/AccountChangeEvent',
      successful: true,
    });
    const polling = connect(clientId);
    await waitFor('the held connect', async () => ((await changeEvents()).heldConnects === 1 ? true : undefined));
    await patchAccount({ Credit_Limit__c: 125000 });
    const replies = await polling;
    expect(replies).toHaveLength(2);
    expect(replies[0].channel).toBe('/data/AccountChangeEvent');
    expect(replies[0].data.payload.ChangeEventHeader.changedFields).toEqual(['Credit_Limit__c', 'LastModifiedDate']);
    expect(replies[0].data.payload.Credit_Limit__c).toBe(125000);
    expect(replies[1]).toEqual({
      channel: '/meta/connect',
      id: 'c1',
      clientId,
      successful: true,
      advice: { reconnect: 'retry', interval: 0, timeout: CONNECT_TIMEOUT_MS },
    });
  });

  it('answers a held connect with no events once the connect timeout passes', async () => {
    const clientId = await handshake();
    const started = Date.now();
    const replies = await connect(clientId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
    expect(replies).toEqual([expect.objectContaining({ channel: '/meta/connect', successful: true })]);
  });

  it('answers the earlier connect at once when the same client connects again', async () => {
    const clientId = await handshake();
    const first = connect(clientId, 'first');
    await waitFor('the held connect', async () => ((await changeEvents()).heldConnects === 1 ? true : undefined));
    const second = connect(clientId, 'second');
    expect(await first).toEqual([expect.objectContaining({ id: 'first', successful: true })]);
    expect(await second).toEqual([expect.objectContaining({ id: 'second', successful: true })]);
  });

  it('forgets a client that stops connecting', async () => {
    const clientId = await handshake();
    await bayeux([{ channel: '/meta/subscribe', clientId, subscription: '/data/ChangeEvents' }]);
    expect((await changeEvents()).clients).toBeGreaterThanOrEqual(1);
    await waitFor(
      'the clients to expire',
      async () => ((await changeEvents()).clients === 0 ? true : undefined),
      CLIENT_TIMEOUT_MS * 4,
    );
    expect((await connect(clientId, 'late'))[0]).toMatchObject({ successful: false, error: '403::Unknown client' });
  });

  it('answers 503 without a Bayeux body under an outage, and leaves queued faults to the REST API', async () => {
    await setFaults({ outageRate: 1 });
    const down = await fetch(estate.crm.cometdUrl, {
      method: 'POST',
      headers: { Authorization: `OAuth ${token}` },
      body: JSON.stringify([{ channel: '/meta/handshake' }]),
    });
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/^text\/plain/);

    await setFaults({ next: ['outage'] });
    await handshake();
    const rest = await fetch(`${estate.crm.baseUrl}/services/data/v60.0/sobjects/Account/${accountId}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(rest.status).toBe(503);
    await setFaults({});
  });
});
