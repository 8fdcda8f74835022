import { blockKitProblems } from './block-kit-validator';
import { maskPersonalData } from './personal-data-mask';
import { AlertMessageInput, buildAlertMessage } from './slack-message.builder';

const base: AlertMessageInput = {
  alertId: 'credit-hold-visible:crm',
  title: 'Credit holds not visible in CRM',
  ruleId: 'credit-hold-visible',
  severity: 'high',
  domain: 'credit',
  state: 'firing',
  counts: { new: 12, open: 40, resolved: 3, affectedPercent: 0.42 },
  examples: Array.from({ length: 8 }, (_, i) => ({
    key: `C00${i}`,
    system: 'crm',
    field: 'creditHold',
    expected: 'true',
    actual: 'false',
  })),
  dashboardUrl: 'http://127.0.0.1:3000/exceptions?rule=credit-hold-visible',
  updatedAt: new Date('2026-11-29T06:00:00Z'),
};

describe('buildAlertMessage', () => {
  it('builds a valid Block Kit message with summary, five examples, buttons and a dashboard link', () => {
    const message = buildAlertMessage(base);
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    const examples = JSON.stringify(message.blocks[2]);
    expect(examples.match(/C00\d/g)).toHaveLength(5);
    expect(examples).toMatch(/and 35 more/);
    expect(JSON.stringify(message.blocks[4])).toContain('rule=credit-hold-visible');
  });

  it('drops examples and buttons once resolved', () => {
    const message = buildAlertMessage({ ...base, state: 'resolved' });
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(message.text).toMatch(/^Resolved: /);
  });

  it('keeps to Block Kit limits with hostile, oversized input', () => {
    const message = buildAlertMessage({
      ...base,
      title: 'x'.repeat(1000),
      ruleId: '<!channel> & <script>',
      examples: [{ key: 'k'.repeat(5000), system: 'crm', field: 'f'.repeat(5000), expected: 'e'.repeat(5000) }],
    });
    expect(blockKitProblems(message)).toEqual([]);
    expect(JSON.stringify(message)).not.toContain('<!channel>');
  });

  it('masks emails and phone numbers in examples', () => {
    expect(maskPersonalData('jane.doe@acme-supply.com')).toBe('j***@acme-supply.com');
    expect(maskPersonalData('+49 30 1234 5678')).toBe('***78');
    const message = buildAlertMessage({
      ...base,
      examples: [{ key: 'C1', system: 'crm', field: 'email', expected: 'ann@x.io', actual: 'bob@y.io' }],
    });
    expect(JSON.stringify(message)).not.toMatch(/ann@|bob@/);
    const contact = buildAlertMessage({
      ...base,
      examples: [{ key: 'mary.hernandez@union.example', system: 'erp', field: '', kind: 'missing', owner: 'crm' }],
    });
    expect(JSON.stringify(contact.blocks[2])).toContain('• m***@union.example · missing in erp (in crm)');
  });

  it("masks a phone field's digits, but not amounts, tax ids or other numbers", () => {
    expect(maskPersonalData('(030) 1234 5678', 'phone')).toBe('***78');
    expect(maskPersonalData('5551234567', 'mobile_phone')).toBe('***67');
    expect(maskPersonalData('+15551234567', 'notes')).toBe('***67');
    expect(maskPersonalData('50000.00', 'credit_limit')).toBe('50000.00');
    expect(maskPersonalData('12663.63', 'open_order_value')).toBe('12663.63');
    expect(maskPersonalData('31-7962035', 'tax_id')).toBe('31-7962035');
  });

  it('says where missing, unexpected, orphaned and duplicate records are, and shows an empty value as empty', () => {
    const message = buildAlertMessage({
      ...base,
      counts: { new: 4, open: 4, resolved: 0 },
      examples: [
        { key: 'C000372', system: 'crm', field: '', kind: 'missing', owner: 'erp', expected: 'C000372', actual: '' },
        { key: 'C000999', system: 'crm', field: '', kind: 'unexpected', owner: 'erp', expected: '', actual: 'C000999' },
        { key: 'C001549', system: 'crm', field: 'parent', kind: 'hierarchy_mismatch', expected: 'C001489', actual: '' },
        { key: 'SHP-1', system: 'wms', field: 'order_number', kind: 'orphan', expected: '', actual: 'SO-7' },
      ],
    });
    const text = JSON.stringify(message.blocks[2]);
    expect(text).toContain('• C000372 · missing in crm (in erp)');
    expect(text).toContain('• C000999 · in crm without a record in erp');
    expect(text).toContain('• C001549 · crm.parent: expected `C001489` got _empty_');
    expect(text).toContain('• SHP-1 · wms.order_number `SO-7` finds no parent record');
    expect(text).not.toContain('``');
    const duplicates = buildAlertMessage({
      ...base,
      counts: { new: 2, open: 2, resolved: 0 },
      examples: [
        { key: 'A1 | A2', system: 'crm', field: 'tax_id', kind: 'duplicate', expected: 'A1', actual: 'A2' },
        {
          key: 'A3 | A4',
          system: 'crm',
          field: 'legal_name',
          kind: 'duplicate_candidate',
          expected: 'A3',
          actual: 'A4',
        },
      ],
    });
    const pairs = JSON.stringify(duplicates.blocks[2]);
    expect(pairs).toContain('• A1 | A2 · two crm records, same tax_id');
    expect(pairs).toContain('• A3 | A4 · two crm records, near-identical legal_name');
  });
});

describe('fix-up alert examples', () => {
  it('read as the record, the rule and the error', () => {
    const message = buildAlertMessage({
      ...base,
      title: 'Fix-ups to crm: 1 dead-lettered',
      counts: { new: 0, open: 1, resolved: 0 },
      facts: [{ label: 'Dead letters (fires at 1)', value: '1' }],
      examples: [
        { key: 'SO-1', system: 'crm', field: 'order.status-match', kind: 'dead_letter', actual: 'HTTP 500 <busy>' },
      ],
    });
    expect(blockKitProblems(message)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('• SO-1 · `order.status-match`: HTTP 500 &lt;busy&gt;');
  });
});
