import { survivorChanges, validateMerge } from './merge-decision';
import type { RecordState } from './stewardship-item';

const candidates = [
  { system: 'crm', entityKey: 'crm-1' },
  { system: 'crm', entityKey: 'crm-2' },
];
const record = (entityKey: string, fields: Record<string, string>): RecordState => ({
  system: 'crm',
  entityKey,
  snapshotId: 's',
  capturedAt: '',
  sourceUpdatedAt: '',
  fields,
});

describe('merge decisions', () => {
  it('names the survivor field when the survivor is not a candidate', () => {
    expect(() => validateMerge('customer', candidates, { survivor: 'crm-9' })).toThrow(/^survivor: must be one of/);
  });

  it('names the unknown field', () => {
    expect(() => validateMerge('customer', candidates, { survivor: 'crm-1', fields: { shoe_size: 'crm-2' } })).toThrow(
      /^fields\.shoe_size: is not a field of customer/,
    );
  });

  it('refuses the match key and values from records outside the candidates', () => {
    expect(() =>
      validateMerge('customer', candidates, { survivor: 'crm-1', fields: { customer_number: 'crm-2' } }),
    ).toThrow(/^fields\.customer_number:/);
    expect(() => validateMerge('customer', candidates, { survivor: 'crm-1', fields: { email: 'crm-3' } })).toThrow(
      /^fields\.email: must name one of the candidates/,
    );
  });

  it('lists only the fields whose chosen value differs from the survivor', () => {
    const merge = validateMerge('customer', candidates, {
      survivor: 'crm-1',
      fields: { email: 'crm-2', legal_name: 'crm-1', phone: 'crm-2' },
    });
    const changes = survivorChanges(merge, [
      record('crm-1', { email: 'old@acme.test', legal_name: 'Acme', phone: '+1 555' }),
      record('crm-2', { email: 'new@acme.test', legal_name: 'ACME', phone: '+1 555' }),
    ]);
    expect(changes).toEqual([{ field: 'email', from: 'old@acme.test', to: 'new@acme.test', sourceKey: 'crm-2' }]);
  });
});
