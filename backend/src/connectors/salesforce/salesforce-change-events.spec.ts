import { ChangeEventRejectedError } from '../connector';
import { changeOfCdcEvent } from './salesforce-change-events';
import { SALESFORCE_MAPPING } from './salesforce.mapping';

const event = (header: Record<string, unknown>, replayId: unknown = 42) => ({
  schema: 'IeRuaY6cbI_HsV8Rv1Mc5g',
  payload: { ChangeEventHeader: header, BillingCity: 'Lyon', LastModifiedDate: '2026-12-02T12:00:00.000Z' },
  event: { replayId },
});

describe('changeOfCdcEvent', () => {
  it('names the changed Account for both entities read from Accounts, at its replay id', () => {
    const change = changeOfCdcEvent(
      event({
        entityName: 'Account',
        changeType: 'UPDATE',
        recordIds: ['001A', '001B', '001A'],
        transactionKey: '0002d3a1-4a0c-2f7e-a3b0-6c1f1d7e0b5a',
      }),
      SALESFORCE_MAPPING,
    );
    expect(change).toEqual({
      position: '42',
      events: [
        {
          eventId: 'cdc:42:0002d3a1-4a0c-2f7e-a3b0-6c1f1d7e0b5a:customer',
          entity: 'customer',
          keys: ['001A', '001B'],
        },
        {
          eventId: 'cdc:42:0002d3a1-4a0c-2f7e-a3b0-6c1f1d7e0b5a:credit_profile',
          entity: 'credit_profile',
          keys: ['001A', '001B'],
        },
      ],
    });
  });

  it('maps Contacts, Opportunities and the custom Shipment__c to their entities', () => {
    const entities = (entityName: string) =>
      changeOfCdcEvent(event({ entityName, changeType: 'CREATE', recordIds: ['x1'] }), SALESFORCE_MAPPING).events.map(
        (e) => e.entity,
      );
    expect(entities('Contact')).toEqual(['contact']);
    expect(entities('Opportunity')).toEqual(['order']);
    expect(entities('Shipment__c')).toEqual(['shipment']);
    expect(entities('Lead')).toEqual([]);
  });

  it('asks for a catch-up (no keys) on an overflow gap or a wildcard id', () => {
    for (const header of [
      { entityName: 'Contact', changeType: 'GAP_OVERFLOW', recordIds: [] },
      { entityName: 'Contact', changeType: 'GAP_UPDATE', recordIds: ['003*'] },
    ]) {
      expect(changeOfCdcEvent(event(header), SALESFORCE_MAPPING).events).toEqual([
        { eventId: 'cdc:42:contact', entity: 'contact', keys: [] },
      ]);
    }
  });

  it('leaves out an entity whose mapping is keyed by another field (an Id would not name its records)', () => {
    const mapping = {
      ...SALESFORCE_MAPPING,
      credit_profile: { ...SALESFORCE_MAPPING.credit_profile!, key: 'AccountNumber' },
    };
    const change = changeOfCdcEvent(
      event({ entityName: 'Account', changeType: 'UPDATE', recordIds: ['001A'] }),
      mapping,
    );
    expect(change.events.map((e) => e.entity)).toEqual(['customer']);
  });

  it('refuses an event without a replay id, a header or proper record ids', () => {
    const header = { entityName: 'Account', changeType: 'UPDATE', recordIds: ['001A'] };
    expect(() => changeOfCdcEvent(event(header, '42'), SALESFORCE_MAPPING)).toThrow(/numeric event.replayId/);
    expect(() => changeOfCdcEvent({ event: { replayId: 3 } }, SALESFORCE_MAPPING)).toThrow(ChangeEventRejectedError);
    expect(() => changeOfCdcEvent(event({ ...header, recordIds: [7] }), SALESFORCE_MAPPING)).toThrow(
      /recordIds must be record ids/,
    );
    expect(() => changeOfCdcEvent(null, SALESFORCE_MAPPING)).toThrow(ChangeEventRejectedError);
  });
});
