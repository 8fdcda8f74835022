import { currentStateSources } from '@driftwatch/reconciliation-rules';
import { withCrosswalk } from './crosswalk-sources';

describe('crosswalk sources', () => {
  const sources = currentStateSources({ customer: ['erp', 'crm'], order: ['erp', 'crm'] });

  it('leaves entities without links untouched', () => {
    const out = withCrosswalk(sources, []);
    expect(out.sources).toEqual(sources);
    expect(out.matchKeys).toEqual({});
  });

  it('joins the global id per system and matches on it where present', () => {
    const out = withCrosswalk(sources, ['customer']);
    expect(out.sources.order).toBe(sources.order);
    expect(out.sources.customer?.crm?.text).toContain(
      "ALL LEFT JOIN (SELECT entity_key, global_id AS `crosswalk_global_id` FROM crosswalk FINAL\n          WHERE entity = 'customer' AND system = 'crm' AND deleted = 0) USING entity_key",
    );
    expect(out.matchKeys.customer?.text).toBe(
      "if(`crosswalk_global_id` != '', `crosswalk_global_id`, `customer_number`)",
    );
  });
});
