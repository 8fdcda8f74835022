import { join } from 'node:path';
import {
  loadOwnership,
  ownerOf,
  OwnershipError,
  parseOwnership,
  recordOwnerOf,
  RULES_PACKAGE_ROOT,
  RuleFileError,
} from '../src';

describe('ownership policy', () => {
  const ownership = loadOwnership(join(RULES_PACKAGE_ROOT, 'ownership.yaml'));

  it('ships the default system-of-record table', () => {
    const erp = [
      'legal_name',
      'tax_id',
      'billing_address_line1',
      'billing_address_postal_code',
      'billing_address_country',
    ];
    for (const field of erp) expect(ownerOf(ownership, 'customer', field)).toBe('erp');
    for (const field of ['credit_limit', 'payment_terms', 'credit_hold'])
      expect(ownerOf(ownership, 'credit_profile', field)).toBe('erp');
    expect(ownerOf(ownership, 'order', 'status')).toBe('erp');
    for (const field of ['phone', 'email', 'account_team']) expect(ownerOf(ownership, 'customer', field)).toBe('crm');
    expect(recordOwnerOf(ownership, 'contact')).toBe('crm');
    expect(ownerOf(ownership, 'contact', 'first_name')).toBe('crm');
    expect(ownerOf(ownership, 'shipment', 'milestone')).toBe('wms');
    expect(ownerOf(ownership, 'shipment', 'milestone_at')).toBe('wms');
  });

  it('falls back to the record owner for unlisted fields', () => {
    expect(ownerOf(ownership, 'customer', 'shipping_address_city')).toBe('erp');
    const small = parseOwnership('version: 1\nentities:\n  order:\n    record: erp\n');
    expect(ownerOf(small, 'order', 'total')).toBe('erp');
    expect(() => ownerOf(small, 'customer', 'legal_name')).toThrow(OwnershipError);
  });

  it('names file, line and field for an unknown field or a bad system id', () => {
    const text =
      'version: 1\nentities:\n  customer:\n    record: erp\n    fields:\n      legal_name: erp\n      shoe_size: crm\n';
    expect(() => parseOwnership(text, 'own.yaml')).toThrow(
      /own\.yaml:7:\d+: entities\.customer\.fields\.shoe_size: customer has no field shoe_size/,
    );
    expect(() => parseOwnership('version: 1\nentities:\n  customer:\n    record: ERP!\n', 'own.yaml')).toThrow(
      RuleFileError,
    );
  });
});
