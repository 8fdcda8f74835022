import { columnAddition } from './column-additions';

describe('columnAddition', () => {
  it('reads the table and every column a statement adds', () => {
    expect(
      columnAddition(
        'ALTER TABLE snapshot_customer ADD COLUMN shared_hash UInt64 MATERIALIZED cityHash64(a, b) AFTER field_hash',
      ),
    ).toEqual({ database: undefined, table: 'snapshot_customer', columns: ['shared_hash'] });
    expect(
      columnAddition(
        "ALTER TABLE db_local.t ON CLUSTER 'dw' ADD COLUMN a Decimal(18, 2) DEFAULT 0, ADD COLUMN `b` String",
      ),
    ).toEqual({ database: 'db_local', table: 't', columns: ['a', 'b'] });
  });

  it('leaves alone statements that do anything else too', () => {
    expect(columnAddition('ALTER TABLE t ADD COLUMN a UInt8, DROP COLUMN b')).toBeUndefined();
    expect(columnAddition('ALTER TABLE t ADD COLUMN IF NOT EXISTS a UInt8')).toBeUndefined();
    expect(columnAddition('ALTER TABLE t DELETE WHERE 1')).toBeUndefined();
    expect(columnAddition('CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = Memory')).toBeUndefined();
  });
});
