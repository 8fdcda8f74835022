import { DYNAMICS_MAPPING } from '../../connectors/dynamics/dynamics.mapping';
import { EntityMapper } from '../../connectors/mapping/entity-mapping';
import { SALESFORCE_MAPPING } from '../../connectors/salesforce/salesforce.mapping';
import { SUPPORT_DESK_MAPPING } from '../../connectors/support-desk/support-desk.mapping';
import { TRYTON_MAPPING } from '../../connectors/tryton/tryton.mapping';
import { parsePolicyFile } from './fixup-policy';
import { mergePolicy, RETIRED_STATUS } from './merge-fixup-planner';

describe('merge fix-up policy', () => {
  it('needs approval by default, whatever the rule or a system default say', () => {
    const overrides = parsePolicyFile('version: 1\nsystems:\n  crm:\n    default: auto\n');
    expect(mergePolicy('customer.duplicates', 'crm', overrides)).toEqual({ policy: 'approval', source: 'rule' });
  });

  it('follows a policy that names the duplicates rule, the system-specific one first', () => {
    const overrides = parsePolicyFile(
      'version: 1\nrules:\n  customer.duplicates: auto\nsystems:\n  erp:\n    rules:\n      customer.duplicates: manual\n',
    );
    expect(mergePolicy('customer.duplicates', 'crm', overrides)).toEqual({ policy: 'auto', source: 'rule override' });
    expect(mergePolicy('customer.duplicates', 'erp', overrides)).toEqual({
      policy: 'manual',
      source: 'system rule override',
    });
  });
});

describe('retired status per connector kind', () => {
  it('is a status the connector writes in its default mapping', () => {
    const sf = new EntityMapper('customer', 'crm', SALESFORCE_MAPPING.customer!);
    expect(sf.toSource('status', RETIRED_STATUS.salesforce)).toEqual({
      sourceField: 'Account_Status__c',
      value: 'Inactive',
    });
    const dyn = new EntityMapper('customer', 'erp', DYNAMICS_MAPPING.customer!);
    expect(dyn.toSource('status', RETIRED_STATUS.dynamics)).toEqual({ sourceField: 'OnHoldStatus', value: 'All' });
  });

  it('is absent where the connector cannot write a status', () => {
    for (const [kind, mapping] of [
      ['tryton', TRYTON_MAPPING],
      ['support-desk', SUPPORT_DESK_MAPPING],
    ] as const) {
      expect(RETIRED_STATUS[kind]).toBeUndefined();
      const mapper = new EntityMapper('customer', kind, mapping.customer!);
      expect(() => mapper.toSource('status', 'inactive')).toThrow(/not writable/);
    }
  });
});
