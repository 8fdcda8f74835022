import { changeEventChannelOf, changeEventOf, entityOfChannel, type ChangeCommit } from './change-event-builder';

const commit: ChangeCommit = {
  origin: 'com/salesforce/api/rest/60.0',
  transactionKey: '00000000-0000-4000-8000-000000000001',
  sequenceNumber: 1,
  commitNumber: 42,
  user: '005d0000001demoAAA',
};
const at = Date.parse('2026-03-04T05:06:07.890Z');
const account = {
  Id: '001000000000001AAA',
  Name: 'Acme Distribution',
  BillingStreet: '1 Main St',
  BillingCity: 'Springfield',
  Phone: null,
  CreatedDate: '2024-01-02T03:04:05.000+0000',
};

describe('change events', () => {
  it('names a channel per object, a custom object without its c', () => {
    expect(changeEventChannelOf('Account')).toBe('/data/AccountChangeEvent');
    expect(changeEventChannelOf('Shipment__c')).toBe('/data/Shipment__ChangeEvent');
    expect(entityOfChannel('/data/Shipment__ChangeEvent')).toBe('Shipment__c');
    expect(entityOfChannel('/data/ChangeEvents')).toBeNull();
    expect(entityOfChannel('/data/LeadChangeEvent')).toBeUndefined();
  });

  it('carries every set field of a created record, addresses nested, datetimes in UTC', () => {
    const event = changeEventOf(
      { objectName: 'Account', id: account.Id, previous: undefined, record: account, modifiedAt: at },
      commit,
    );
    const { ChangeEventHeader: header, ...fields } = event.payload;
    expect(header).toMatchObject({ changeType: 'CREATE', changedFields: [], commitTimestamp: at, commitNumber: 42 });
    expect(fields).toEqual({
      Name: 'Acme Distribution',
      BillingAddress: { Street: '1 Main St', City: 'Springfield' },
      CreatedDate: '2024-01-02T03:04:05.000Z',
      LastModifiedDate: '2026-03-04T05:06:07.890Z',
    });
  });

  it('carries only what an update changed, listing nulled fields', () => {
    const record = { ...account, BillingCity: 'Shelbyville', BillingStreet: null, Phone: '(212) 555-0100' };
    const event = changeEventOf(
      { objectName: 'Account', id: account.Id, previous: account, record, modifiedAt: at },
      commit,
    );
    const { ChangeEventHeader: header, ...fields } = event.payload;
    expect(header.changedFields).toEqual(['BillingAddress.Street', 'BillingAddress.City', 'Phone', 'LastModifiedDate']);
    expect(header.nulledFields).toEqual(['BillingAddress.Street']);
    expect(fields).toEqual({
      BillingAddress: { Street: null, City: 'Shelbyville' },
      Phone: '(212) 555-0100',
      LastModifiedDate: '2026-03-04T05:06:07.890Z',
    });
  });

  it('carries only the header for a delete', () => {
    const event = changeEventOf(
      { objectName: 'Account', id: account.Id, previous: account, record: undefined, modifiedAt: at },
      commit,
    );
    expect(Object.keys(event.payload)).toEqual(['ChangeEventHeader']);
    expect(event.payload.ChangeEventHeader).toMatchObject({ changeType: 'DELETE', recordIds: [account.Id] });
  });
});
