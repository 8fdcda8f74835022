import { RowBinaryEncoder } from './snapshot-row.encoder';
import { mapRecord, snapshotColumns, snapshotColumnTypes, type SnapshotRow } from './snapshot-row.mapper';
import type { CanonicalRecord } from '../../connectors/canonical-model';

/** Reads RowBinary back by the column types, as ClickHouse does. */
function decode(bytes: Buffer, types: Array<[string, string]>): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  let at = 0;
  while (at < bytes.length) {
    const row: Record<string, string | number> = {};
    for (const [column, type] of types) {
      if (type === 'string') {
        let length = 0;
        for (let shift = 0; ; shift += 7) {
          const byte = bytes[at++];
          length |= (byte & 0x7f) << shift;
          if (byte < 0x80) break;
        }
        row[column] = bytes.toString('utf8', at, at + length);
        at += length;
      } else if (type === 'datetime') {
        row[column] = bytes.readUInt32LE(at);
        at += 4;
      } else if (type === 'decimal') {
        row[column] = Number(bytes.readBigInt64LE(at)) / 100;
        at += 8;
      } else {
        row[column] = bytes[at++];
      }
    }
    rows.push(row);
  }
  return rows;
}

const context = { system: 'erp', snapshotId: 'run-1', capturedAt: 1_767_225_600 };

describe('RowBinaryEncoder', () => {
  it('lists the same columns as the insert statement, in the same order', () => {
    for (const entity of ['customer', 'contact', 'credit_profile', 'order', 'shipment', 'ticket'] as const) {
      expect(snapshotColumnTypes(entity).map(([column]) => column)).toEqual(snapshotColumns(entity));
    }
  });

  it('encodes strings of every length and script, dates, decimals and flags so they read back unchanged', () => {
    const credit = (creditLimit: number, creditHold: boolean, customerNumber: string): CanonicalRecord => ({
      entity: 'credit_profile',
      system: 'erp',
      sourceKey: `K-${customerNumber.length}`,
      sourceUpdatedAt: new Date('2026-03-01T12:00:00Z'),
      fields: { customerKey: 'C1', customerNumber, creditLimit, currency: 'EUR', paymentTerms: 'NET30', creditHold },
      rawExcerpt: '{"quoted":"\\"x\\"","tab":"\t"}',
    });
    const records = [
      credit(15000.5, true, ''),
      credit(-0.07, false, 'Zürich – 東京 🚚'),
      credit(99_999_999_999.99, false, 'x'.repeat(42)),
      credit(0, true, 'é'.repeat(43)),
      credit(1.23, false, 'long '.repeat(4000)),
    ];
    const expected: SnapshotRow[] = [];
    const encoder = new RowBinaryEncoder('credit_profile', 16);
    for (const record of records) {
      const mapped = mapRecord('credit_profile', record, context);
      if (!mapped.ok) throw new Error(mapped.reject.reason);
      expected.push(mapped.row);
      encoder.write(mapped.row);
    }
    expect(encoder.rows).toBe(records.length);
    const bytes = encoder.take();
    expect(encoder.rows).toBe(0);
    expect(decode(bytes, snapshotColumnTypes('credit_profile'))).toEqual(expected);
    // A one-byte length up to 127 bytes, two bytes from 128 (43 two-byte characters = 86 bytes: one).
    expect(encoder.take().length).toBe(0);
  });

  it('hands out a fresh buffer on each take, so a chunk still being sent is never overwritten', () => {
    const encoder = new RowBinaryEncoder('ticket', 8);
    const row = (subject: string): SnapshotRow => {
      const mapped = mapRecord(
        'ticket',
        {
          entity: 'ticket',
          system: 'erp',
          sourceKey: subject,
          sourceUpdatedAt: null,
          fields: { organizationKey: 'o', customerNumber: 'c', subject, status: 'open', priority: 'high' },
          rawExcerpt: '',
        },
        context,
      );
      if (!mapped.ok) throw new Error(mapped.reject.reason);
      return mapped.row;
    };
    encoder.write(row('first'));
    const first = encoder.take();
    const copy = Buffer.from(first);
    encoder.write(row('second'));
    encoder.take();
    expect(first.equals(copy)).toBe(true);
    expect(decode(first, snapshotColumnTypes('ticket'))[0]).toMatchObject({ subject: 'first', source_updated_at: 0 });
  });
});

describe('RowBinaryEncoder strings', () => {
  /** RowBinary String as ClickHouse defines it: LEB128 byte length, then the UTF-8 bytes. */
  const reference = (value: string): Buffer => {
    const bytes = Buffer.from(value, 'utf8');
    const length: number[] = [];
    let rest = bytes.length;
    while (rest >= 0x80) {
      length.push((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    length.push(rest);
    return Buffer.concat([Buffer.from(length), bytes]);
  };

  it('writes ASCII, multi-byte text, lone surrogates and every length around 42, 127 and 128 as UTF-8 does', () => {
    const values: string[] = [];
    for (const length of [0, 1, 41, 42, 43, 100, 126, 127, 128, 129, 500, 20_000]) {
      const ascii = 'a'.repeat(length);
      values.push(ascii);
      if (length > 0) {
        // A non-ASCII character first, in the middle and last: the ASCII copy stops and starts over.
        for (const at of [0, Math.floor(length / 2), length - 1]) {
          for (const other of ['é', '東', '🚚', '\ud800', '\u0080', '\u007f']) {
            values.push(ascii.slice(0, at) + other + ascii.slice(at + 1));
          }
        }
      }
    }
    const encoder = new RowBinaryEncoder('ticket', 4);
    const expected: Buffer[] = [];
    for (const [i, value] of values.entries()) {
      const row: SnapshotRow = {
        system: 'erp',
        entity_key: `T-${i}`,
        snapshot_id: 'run-1',
        captured_at: 1,
        source_updated_at: 2,
        organization_key: value,
        customer_number: '',
        subject: value,
        status: 'open',
        priority: 'high',
        raw_excerpt: value,
      };
      encoder.write(row);
      const datetime = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(n);
        return b;
      };
      expected.push(
        reference('erp'),
        reference(`T-${i}`),
        reference('run-1'),
        datetime(1),
        datetime(2),
        reference(value),
        reference(''),
        reference(value),
        reference('open'),
        reference('high'),
        reference(value),
      );
    }
    expect(encoder.take().equals(Buffer.concat(expected))).toBe(true);
  });
});
