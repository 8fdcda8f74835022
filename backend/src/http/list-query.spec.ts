import { defineListQuery, InvalidQueryParameterError } from './list-query';

const LIST = defineListQuery({
  filters: {
    status: { type: 'enum', values: ['open', 'closed'] },
    owner: { type: 'string', pattern: /^[a-z]+$/ },
    since: { type: 'datetime' },
    severity: { type: 'int', min: 1, max: 5 },
  },
  sortKeys: ['createdAt', 'severity'],
  defaultSort: '-createdAt',
  defaultLimit: 20,
  maxLimit: 100,
  cursor: { values: { createdAt: 'timestamp', severity: 'integer' }, id: /^\d+$/ },
});

const cursorOf = (...parts: string[]): string => Buffer.from(JSON.stringify(parts)).toString('base64url');

const fieldOf = (query: Record<string, unknown>): string => {
  try {
    LIST.parse(query);
  } catch (error) {
    if (error instanceof InvalidQueryParameterError) return error.field;
    throw error;
  }
  throw new Error('expected a 400');
};

describe('defineListQuery', () => {
  it('parses typed filters, sort and limit with defaults', () => {
    expect(LIST.parse({})).toEqual({
      filters: {},
      sort: { key: 'createdAt', direction: 'desc' },
      limit: 20,
      after: undefined,
    });
    const parsed = LIST.parse({
      status: 'open',
      owner: 'ana',
      since: '2024-05-01T00:00:00Z',
      severity: '3',
      sort: 'severity',
      limit: '7',
    });
    expect(parsed.filters).toEqual({
      status: 'open',
      owner: 'ana',
      since: new Date('2024-05-01T00:00:00Z'),
      severity: 3,
    });
    expect(parsed.sort).toEqual({ key: 'severity', direction: 'asc' });
    expect(parsed.limit).toBe(7);
  });

  it.each([
    [{ nope: '1' }, 'nope'],
    [{ status: 'pending' }, 'status'],
    [{ owner: "x' OR 1=1" }, 'owner'],
    [{ owner: ['a', 'b'] }, 'owner'],
    [{ owner: { $ne: 'x' } }, 'owner'],
    [{ since: 'yesterday' }, 'since'],
    [{ since: '2024-02-30' }, 'since'],
    [{ since: '0000-01-01' }, 'since'],
    [{ since: '2024-05-01T24:00:00Z' }, 'since'],
    [{ severity: '9' }, 'severity'],
    [{ severity: '1.5' }, 'severity'],
    [{ sort: 'password' }, 'sort'],
    [{ limit: '101' }, 'limit'],
    [{ cursor: 'not a cursor!' }, 'cursor'],
  ])('names the bad parameter for %j', (query, field) => {
    expect(fieldOf(query)).toBe(field);
  });

  it('round-trips a cursor and refuses it under another sort', () => {
    const query = LIST.parse({ limit: '2' });
    const page = LIST.page([{ id: '3' }, { id: '2' }, { id: '1' }], query, (row) => ({
      value: `2024-05-0${row.id}T10:00:00.123456Z`,
      id: row.id,
    }));
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(LIST.parse({ cursor: page.nextCursor }).after).toEqual({ value: '2024-05-02T10:00:00.123456Z', id: '2' });
    expect(fieldOf({ cursor: page.nextCursor, sort: 'severity' })).toBe('cursor');
    expect(LIST.page([{ id: '1' }], query, (row) => ({ value: '', id: row.id })).nextCursor).toBeNull();
  });

  it.each([
    ['a value that is not a timestamp', ['createdAt', 'desc', 'garbage', '1']],
    ['a timestamp without its zone', ['createdAt', 'desc', '2024-05-01T00:00:00', '1']],
    ['year 0', ['createdAt', 'desc', '0000-01-01T00:00:00Z', '1']],
    ['an impossible date', ['createdAt', 'desc', '2024-02-31T00:00:00Z', '1']],
    ['an id of the wrong form', ['createdAt', 'desc', '2024-05-01T00:00:00Z', 'x']],
    ['a NUL byte', ['createdAt', 'desc', '2024-05-01T00:00:00Z', '1\u0000']],
    ['an integer out of range', ['severity', 'asc', '99999999999', '1']],
    ['a float where an integer goes', ['severity', 'asc', '1.5', '1']],
  ])('refuses a tampered cursor (%s) as a 400 on cursor', (_, parts) => {
    const sort = parts[1] === 'desc' ? `-${parts[0]}` : parts[0];
    expect(fieldOf({ sort, cursor: cursorOf(...parts) })).toBe('cursor');
  });
});
