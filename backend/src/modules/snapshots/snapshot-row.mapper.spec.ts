import type { CanonicalRecord } from '../../connectors/canonical-model';
import { canonicalColumns, mapRecord, snapshotColumns } from './snapshot-row.mapper';

const context = { system: 'crm', snapshotId: 'snap-1', capturedAt: 1_700_000_000 };
const address = { line1: '1 Quay St', line2: '', city: 'Cork', postalCode: 'T12', region: 'Munster', country: 'IE' };

const customer = (overrides: Partial<CanonicalRecord> = {}): CanonicalRecord => ({
  entity: 'customer',
  system: 'crm',
  sourceKey: '001A',
  sourceUpdatedAt: new Date('2026-01-02T03:04:05Z'),
  fields: {
    customerNumber: 'C-1',
    legalName: 'Acme Ltd',
    taxId: 'IE123',
    billingAddress: address,
    shippingAddress: address,
    country: 'IE',
    parentKey: '',
    status: 'active',
    phone: '+3531234567',
    email: 'a@acme.test',
    accountTeam: 'north',
  },
  rawExcerpt: '{"Id":"001A"}',
  ...overrides,
});

describe('snapshot row mapping', () => {
  it('flattens addresses into the agreed snake_case columns', () => {
    expect(canonicalColumns('customer')).toContain('billing_address_postal_code');
    expect(canonicalColumns('customer')).toContain('shipping_address_country');
    expect(snapshotColumns('order')).toEqual([
      'system',
      'entity_key',
      'snapshot_id',
      'captured_at',
      'source_updated_at',
      'order_number',
      'customer_key',
      'customer_number',
      'status',
      'status_changed_at',
      'total',
      'currency',
      'raw_excerpt',
    ]);
  });

  it('maps a customer with dates as unix seconds', () => {
    const result = mapRecord('customer', customer(), context);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.row).toMatchObject({
      system: 'crm',
      entity_key: '001A',
      snapshot_id: 'snap-1',
      captured_at: 1_700_000_000,
      source_updated_at: Date.UTC(2026, 0, 2, 3, 4, 5) / 1000,
      billing_address_city: 'Cork',
      legal_name: 'Acme Ltd',
      raw_excerpt: '{"Id":"001A"}',
    });
    expect(Object.keys(result.row).sort()).toEqual([...snapshotColumns('customer')].sort());
  });

  it('stores null dates as epoch 0, money rounded to cents and booleans as 0/1', () => {
    const result = mapRecord(
      'credit_profile',
      {
        entity: 'credit_profile',
        system: 'erp',
        sourceKey: 'CP1',
        sourceUpdatedAt: null,
        fields: {
          customerKey: 'K',
          customerNumber: 'C-1',
          creditLimit: 1234.567,
          currency: 'EUR',
          paymentTerms: 'NET30',
          creditHold: true,
        },
        rawExcerpt: '',
      },
      context,
    );
    expect(result).toMatchObject({ ok: true, row: { source_updated_at: 0, credit_limit: 1234.57, credit_hold: 1 } });
  });

  it.each([
    ['a missing key', customer({ sourceKey: '' }), /missing source key/],
    ['a wrong entity', customer({ entity: 'order' }), /expected customer/],
    ['an invalid date', customer({ sourceUpdatedAt: new Date('nope') }), /sourceUpdatedAt is not a valid date/],
    [
      'a non-text field',
      customer({ fields: { ...customer().fields, legalName: { x: 1 } } as never }),
      /legalName must be text/,
    ],
    [
      'an address that is not an object',
      customer({ fields: { ...customer().fields, billingAddress: 'Cork' } as never }),
      /billingAddress must be an address/,
    ],
  ])('rejects %s with the reason and the raw excerpt', (_, record, reason) => {
    const result = mapRecord('customer', record, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reject.reason).toMatch(reason);
    expect(result.reject.system).toBe('crm');
    expect(result.reject.rawExcerpt.length).toBeGreaterThan(0);
  });

  it('rejects money that does not fit Decimal(18, 2) and non-boolean flags', () => {
    const base = {
      entity: 'credit_profile' as const,
      system: 'erp',
      sourceKey: 'CP1',
      sourceUpdatedAt: null,
      rawExcerpt: '',
    };
    const fields = { customerKey: 'K', customerNumber: 'C', currency: 'EUR', paymentTerms: 'NET30' };
    const huge = mapRecord(
      'credit_profile',
      { ...base, fields: { ...fields, creditLimit: 1e17, creditHold: false } },
      context,
    );
    expect(huge).toMatchObject({ ok: false, reject: { reason: expect.stringMatching(/Decimal/) } });
    const nan = mapRecord(
      'credit_profile',
      { ...base, fields: { ...fields, creditLimit: NaN, creditHold: false } },
      context,
    );
    expect(nan).toMatchObject({ ok: false, reject: { reason: expect.stringMatching(/finite/) } });
    const flag = mapRecord(
      'credit_profile',
      { ...base, fields: { ...fields, creditLimit: 1, creditHold: 'yes' as never } },
      context,
    );
    expect(flag).toMatchObject({
      ok: false,
      reject: { reason: expect.stringMatching(/creditHold must be a boolean/) },
    });
  });
});
