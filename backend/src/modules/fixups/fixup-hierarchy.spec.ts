import { parentWriteOf, type HierarchyFinding } from './fixup-hierarchy';

const finding = (over: Partial<HierarchyFinding> = {}, details: Record<string, string> = {}): HierarchyFinding => ({
  entity: 'customer',
  matchKey: 'C0002',
  expectedValue: 'C0001',
  actualSystem: 'crm',
  details: {
    owner_key: 'erp-C0002',
    owner_parent_reference: 'erp-C0001',
    actual_key: '001A',
    actual_parent_reference: '001B',
    ...details,
  },
  ...over,
});

describe('parentWriteOf', () => {
  it('writes the target key of the owner parent, conditional on the old parent reference', () => {
    expect(parentWriteOf(finding(), ['001C'], null)).toEqual({
      kind: 'write',
      sourceKey: '001A',
      change: { field: 'parentKey', column: 'parent_key', expectedOld: '001B', newValue: '001C' },
    });
  });

  it('an owner parent with no record in the target waits for a person', () => {
    expect(parentWriteOf(finding(), [], null)).toMatchObject({
      kind: 'review',
      reason:
        "the owner's parent C0001 has no record in crm: create or link it there and the next run replaces this task with the write",
    });
    expect(parentWriteOf(finding(), undefined, null)).toMatchObject({ kind: 'review' });
  });

  it('an owner parent matching several target records is ambiguous', () => {
    expect(parentWriteOf(finding(), ['001C', '001D'], null)).toMatchObject({
      kind: 'review',
      reason: "the owner's parent C0001 is ambiguous in crm (2 records: 001C, 001D)",
    });
  });

  it('a connector that cannot write the entity, an owner without a parent or with an orphan parent: review', () => {
    expect(parentWriteOf(finding(), ['001C'], 'no target connector "crm"')).toMatchObject({
      kind: 'review',
      reason: 'parent not written: no target connector "crm"',
    });
    expect(parentWriteOf(finding({ expectedValue: '' }, { owner_parent_reference: '' }), [], null)).toMatchObject({
      kind: 'review',
      reason: 'the owner has no parent for C0002; clearing the parent in crm is left to a person',
    });
    expect(
      parentWriteOf(finding({ expectedValue: '' }, { owner_parent_reference: 'erp-GONE' }), [], null),
    ).toMatchObject({ kind: 'review', reason: expect.stringMatching(/erp-GONE is not a record of the owner/) });
  });

  it('a finding without the target record makes no task', () => {
    expect(parentWriteOf(finding({}, { actual_key: '' }), ['001C'], null)).toMatchObject({ kind: 'none' });
  });
});
