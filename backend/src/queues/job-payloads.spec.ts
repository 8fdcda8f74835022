import { InvalidJobPayloadError, parseJobPayload } from './job-payloads';
import { correctiveSyncQueue, QUEUE } from './queue-names';

describe('job payloads', () => {
  it('accepts a valid snapshot payload', () => {
    const payload = parseJobPayload(QUEUE.snapshot, {
      connectorId: 'crm',
      entity: 'customer',
      mode: 'full',
      trigger: 'schedule',
    });
    expect(payload.entity).toBe('customer');
  });

  it('names the bad field of an invalid payload', () => {
    expect(() => parseJobPayload(QUEUE.snapshot, { connectorId: 'crm', entity: 'planet', mode: 'full' })).toThrow(
      InvalidJobPayloadError,
    );
    expect(() => parseJobPayload(QUEUE.snapshot, { connectorId: 'crm', entity: 'planet', mode: 'full' })).toThrow(
      /entity/,
    );
  });

  it('builds corrective-sync queue names only from safe connector ids', () => {
    expect(correctiveSyncQueue('salesforce-eu')).toBe('corrective-sync:salesforce-eu');
    expect(() => correctiveSyncQueue('../x')).toThrow(/invalid connector id/);
  });
});
