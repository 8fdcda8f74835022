import { Client, type Message } from 'faye';
import { crmAccessToken } from '../../../estate/crm-access-token';
import { startEstate, type RunningEstate } from '../../../estate/estate';
import type { ChangeEventBody } from './change-event-builder';
import { waitFor } from './wait-for';

declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}

interface DeliveredEvent {
  channel: string;
  data: ChangeEventBody & { event: { replayId: number } };
}

/** A faye client as an integration sets one up against Salesforce: OAuth header, replay extension. */
interface Subscriber {
  client: Client;
  events: DeliveredEvent[];
  /** Every `/meta/*` reply the client received, in order. */
  replies: Message[];
  subscribe(channel: string, replayId?: number): Promise<void>;
}

describe('CRM Change Data Capture through a faye client', () => {
  let estate: RunningEstate;
  let token: string;
  const subscribers: Subscriber[] = [];
  const api = (path: string) => `${estate.crm.baseUrl}/services/data/v60.0${path}`;
  const auth = () => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
  const changeEvents = async () =>
    (await fetch(`${estate.crm.baseUrl}/__admin/change-events`)).json() as Promise<{
      retained: number;
      firstReplayId: number;
      lastReplayId: number;
      heldConnects: number;
    }>;
  const patch = async (object: string, id: string, fields: Record<string, unknown>, headers = {}) => {
    const res = await fetch(api(`/sobjects/${object}/${id}`), {
      method: 'PATCH',
      headers: { ...auth(), ...headers },
      body: JSON.stringify(fields),
    });
    expect(res.status).toBe(204);
  };
  const idsOf = async (object: string, n: number): Promise<string[]> => {
    const res = await fetch(api(`/query?q=${encodeURIComponent(`SELECT Id FROM ${object} LIMIT ${n}`)}`), {
      headers: auth(),
    });
    return ((await res.json()).records as { Id: string }[]).map((r) => r.Id);
  };
  const issueToken = (): Promise<string> => crmAccessToken(estate.crm);

  const subscriber = (session = token): Subscriber => {
    const client = new Client(estate.crm.cometdUrl, { timeout: 5, retry: 1 });
    client.setHeader('Authorization', `OAuth ${session}`);
    const replayFrom: Record<string, number> = {};
    const events: DeliveredEvent[] = [];
    const replies: Message[] = [];
    client.addExtension({
      outgoing(message, callback) {
        const channel = message.subscription;
        if (message.channel === '/meta/subscribe' && channel && channel in replayFrom)
          message.ext = { ...message.ext, replay: { [channel]: replayFrom[channel] } };
        callback(message);
      },
      incoming(message, callback) {
        if (message.channel.startsWith('/meta/')) replies.push(message);
        callback(message);
      },
    });
    const s: Subscriber = {
      client,
      events,
      replies,
      subscribe: async (channel, replayId) => {
        if (replayId !== undefined) replayFrom[channel] = replayId;
        await client
          .subscribe(channel)
          .withChannel((delivered, data) => events.push({ channel: delivered, data: data as DeliveredEvent['data'] }));
      },
    };
    subscribers.push(s);
    return s;
  };

  beforeAll(async () => {
    estate = await startEstate({
      customers: 300,
      seed: 11,
      systems: ['crm'],
      crmStreaming: { connectTimeoutMs: 1000, clientTimeoutMs: 5000 },
    });
    token = await issueToken();
  });

  afterEach(async () => {
    // Acknowledged disconnects: a disconnect still in flight when the estate stops would be retried forever.
    await Promise.all(subscribers.splice(0).map(async (s) => s.client.disconnect()?.then(undefined, () => undefined)));
  });

  afterAll(async () => {
    await estate.stop();
  });

  it('raises no events for the seeded estate', async () => {
    expect(estate.crm.cometdUrl).toBe(`${estate.crm.baseUrl}/cometd/60.0`);
    expect(await changeEvents()).toMatchObject({ retained: 0, firstReplayId: null, lastReplayId: 0 });
  });

  it('delivers an AccountChangeEvent for a REST PATCH with recordIds, changedFields and the next replayId', async () => {
    const [accountId] = await idsOf('Account', 1);
    const s = subscriber();
    await s.subscribe('/data/AccountChangeEvent');
    const before = (await changeEvents()).lastReplayId;
    await patch(
      'Account',
      accountId,
      { Phone: '(212) 555-0199', BillingCity: 'Springfield' },
      { 'Sforce-Call-Options': 'client=driftwatch' },
    );
    const [event] = await waitFor('the account event', () => (s.events.length > 0 ? s.events : undefined));
    expect(event.channel).toBe('/data/AccountChangeEvent');
    expect(event.data.event).toEqual({ replayId: before + 1 });
    expect(event.data.schema).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const { ChangeEventHeader: header, ...fields } = event.data.payload;
    expect(header).toMatchObject({
      entityName: 'Account',
      recordIds: [accountId],
      changeType: 'UPDATE',
      changeOrigin: 'com/salesforce/api/rest/60.0;client=driftwatch',
      sequenceNumber: 1,
      commitUser: '005d0000001demoAAA',
      changedFields: ['BillingAddress.City', 'Phone', 'LastModifiedDate'],
      nulledFields: [],
    });
    expect(header.transactionKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(header.commitTimestamp).toBe(Date.parse(String(fields.LastModifiedDate)));
    expect(fields).toEqual({
      BillingAddress: { City: 'Springfield' },
      Phone: '(212) 555-0199',
      LastModifiedDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  it('replays every retained event with -2, and after a given replayId in a new client', async () => {
    const ids = await idsOf('Account', 3);
    for (const [i, id] of ids.entries()) await patch('Account', id, { Account_Team__c: `Replay team ${i}` });
    const { firstReplayId, lastReplayId } = await changeEvents();

    const all = subscriber();
    await all.subscribe('/data/AccountChangeEvent', -2);
    const replayed = await waitFor('the replay of every event', () =>
      all.events.length === lastReplayId - firstReplayId + 1 ? all.events : undefined,
    );
    expect(replayed.map((e) => e.data.event.replayId)).toEqual(
      Array.from({ length: lastReplayId - firstReplayId + 1 }, (_, i) => firstReplayId + i),
    );

    // A client that handled the first of the three writes resumes after it, as after a restart.
    const resumed = subscriber();
    await resumed.subscribe('/data/AccountChangeEvent', lastReplayId - 2);
    const rest = await waitFor('the events after the stored replayId', () =>
      resumed.events.length === 2 ? resumed.events : undefined,
    );
    expect(rest.map((e) => e.data.event.replayId)).toEqual([lastReplayId - 1, lastReplayId]);
    expect(rest.map((e) => e.data.payload.ChangeEventHeader.recordIds[0])).toEqual(ids.slice(1));
    expect(rest.map((e) => e.data.payload.Account_Team__c)).toEqual(['Replay team 1', 'Replay team 2']);
  });

  it('carries a Contact change on /data/ChangeEvents, the name nested as a compound field', async () => {
    const [contactId] = await idsOf('Contact', 1);
    const s = subscriber();
    await s.subscribe('/data/ChangeEvents');
    await patch('Contact', contactId, { Title: 'Head of Procurement', LastName: 'Okafor' });
    const [event] = await waitFor('the contact event', () => (s.events.length > 0 ? s.events : undefined));
    expect(event.channel).toBe('/data/ChangeEvents');
    expect(event.data.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Contact',
      recordIds: [contactId],
      changeType: 'UPDATE',
      changedFields: ['Name.LastName', 'Title', 'LastModifiedDate'],
    });
    expect(event.data.payload.Name).toEqual({ LastName: 'Okafor' });
    expect(event.data.payload.Title).toBe('Head of Procurement');
  });

  it('sends a REST create as a CREATE event carrying every field set', async () => {
    const [accountId] = await idsOf('Account', 1);
    const s = subscriber();
    await s.subscribe('/data/ContactChangeEvent');
    const res = await fetch(api('/sobjects/Contact'), {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ AccountId: accountId, FirstName: 'Ines', LastName: 'Moreau', Email: 'ines@example.fr' }),
    });
    const { id } = await res.json();
    const [event] = await waitFor('the create event', () => (s.events.length > 0 ? s.events : undefined));
    const { ChangeEventHeader: header, ...fields } = event.data.payload;
    expect(header).toMatchObject({ changeType: 'CREATE', recordIds: [id], changedFields: [] });
    expect(fields).toEqual({
      AccountId: accountId,
      Name: { FirstName: 'Ines', LastName: 'Moreau' },
      Email: 'ines@example.fr',
      CreatedDate: expect.stringMatching(/Z$/),
      LastModifiedDate: expect.stringMatching(/Z$/),
    });
  });

  it('gives the events of one composite request one transaction, numbered in sequence', async () => {
    const ids = await idsOf('Account', 2);
    const s = subscriber();
    await s.subscribe('/data/AccountChangeEvent');
    const res = await fetch(api('/composite/sobjects'), {
      method: 'PATCH',
      headers: auth(),
      body: JSON.stringify({
        allOrNone: true,
        records: ids.map((id) => ({ attributes: { type: 'Account' }, id, Credit_Hold__c: true })),
      }),
    });
    expect(res.status).toBe(200);
    const events = await waitFor('both events', () => (s.events.length === 2 ? s.events : undefined));
    const headers = events.map((e) => e.data.payload.ChangeEventHeader);
    expect(headers.map((h) => h.recordIds[0])).toEqual(ids);
    expect(headers.map((h) => h.sequenceNumber)).toEqual([1, 2]);
    expect(headers[1].transactionKey).toBe(headers[0].transactionKey);
    expect(headers[1].commitNumber).toBe(headers[0].commitNumber);
  });

  it('sends changes made in the system (admin mutate) on the custom object channel, with an empty origin', async () => {
    const [shipmentId] = await idsOf('Shipment__c', 1);
    const s = subscriber();
    await s.subscribe('/data/Shipment__ChangeEvent');
    const res = await fetch(`${estate.crm.baseUrl}/__admin/mutate`, {
      method: 'POST',
      body: JSON.stringify({ entity: 'Shipment__c', key: shipmentId, fields: { Carrier__c: 'DHL Freight' } }),
    });
    expect(res.status).toBe(200);
    const [event] = await waitFor('the shipment event', () => (s.events.length > 0 ? s.events : undefined));
    expect(event.data.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Shipment__c',
      recordIds: [shipmentId],
      changeOrigin: '',
      changedFields: ['Carrier__c', 'LastModifiedDate'],
    });
  });

  it('refuses a replayId older than the retained events, or one in the future', async () => {
    const [accountId] = await idsOf('Account', 1);
    await patch('Account', accountId, { Account_Team__c: 'Before expiry' });
    const { lastReplayId } = await changeEvents();
    const expired = await (
      await fetch(`${estate.crm.baseUrl}/__admin/change-events/expire`, { method: 'POST' })
    ).json();
    expect(expired).toMatchObject({ retained: 0, firstReplayId: null, lastReplayId });

    const tooOld = lastReplayId - 1;
    await expect(subscriber().subscribe('/data/AccountChangeEvent', tooOld)).rejects.toMatchObject({
      message: expect.stringContaining(
        `The replayId {${tooOld}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
      ),
    });
    await expect(subscriber().subscribe('/data/AccountChangeEvent', lastReplayId + 5)).rejects.toMatchObject({
      message: expect.stringContaining(`The replayId {${lastReplayId + 5}} you provided was invalid.`),
    });
    // The latest replayId itself is still a valid place to resume: nothing after it was lost.
    await subscriber().subscribe('/data/AccountChangeEvent', lastReplayId);
  });

  it('refuses an expired token, and ends a subscription whose session is revoked', async () => {
    const live = subscriber();
    await live.subscribe('/data/AccountChangeEvent');
    await waitFor('the held connect', async () => ((await changeEvents()).heldConnects === 1 ? true : undefined));
    const expiredToken = token;
    await fetch(`${estate.crm.baseUrl}/__admin/expire-tokens`, { method: 'POST' });
    token = await issueToken();

    // The held connect ends with Salesforce's 401 error once the connect timeout passes.
    const revoked = await waitFor('the revoked session', () =>
      live.replies.find((m) => m.channel === '/meta/connect' && m.successful === false),
    );
    expect(revoked).toMatchObject({ error: '401::Authentication invalid', advice: { reconnect: 'none' } });

    const refused = subscriber(expiredToken);
    refused.client.handshake();
    const handshake = await waitFor('the handshake reply', () =>
      refused.replies.find((m) => m.channel === '/meta/handshake'),
    );
    expect(handshake).toMatchObject({
      successful: false,
      error: '401::Authentication invalid',
      advice: { reconnect: 'none' },
    });
  });
});
