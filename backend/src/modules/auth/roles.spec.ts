import { satisfies } from './roles';

describe('role hierarchy', () => {
  it('lets a role do what the roles below it can, and not above', () => {
    expect(satisfies(['admin'], ['viewer'])).toBe(true);
    expect(satisfies(['steward'], ['engineer'])).toBe(true);
    expect(satisfies(['engineer'], ['steward'])).toBe(false);
    expect(satisfies(['viewer'], ['admin'])).toBe(false);
    expect(satisfies(['viewer', 'steward'], ['steward'])).toBe(true);
  });

  it('refuses when nothing is held or nothing is accepted', () => {
    expect(satisfies([], ['viewer'])).toBe(false);
    expect(satisfies(['admin'], [])).toBe(false);
  });
});
