import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { LimitField, TargetKeys } from './request-field.decorators';

class TargetedRequest {
  @TargetKeys(3, 'Only these keys.')
  keys?: string[];

  @LimitField(10, { default: 5 })
  limit?: number;
}

const problems = (plain: Record<string, unknown>): Record<string, string[]> =>
  Object.fromEntries(
    validateSync(plainToInstance(TargetedRequest, plain)).map((e) => [e.property, Object.values(e.constraints ?? {})]),
  );

describe('TargetKeys', () => {
  it('takes 1 to max distinct keys, or none at all', () => {
    expect(problems({ keys: ['C-1', 'C-2', 'C-3'] })).toEqual({});
    expect(problems({})).toEqual({});
  });

  it('names a repeated key by the positions of the repeat and of the first occurrence, not by its value', () => {
    const { keys } = problems({ keys: ['C-1', 'C-2', 'C-2'] });
    expect(keys).toEqual(['keys must be unique: keys.2 repeats keys.1']);
    expect(keys.join()).not.toMatch(/C-2/);
  });

  it('refuses an empty list, too many keys, and empty or overlong keys', () => {
    expect(problems({ keys: [] }).keys).toBeDefined();
    expect(problems({ keys: ['a', 'b', 'c', 'd'] }).keys).toBeDefined();
    expect(problems({ keys: [''] }).keys).toBeDefined();
    expect(problems({ keys: ['k'.repeat(256)] }).keys).toBeDefined();
  });
});

describe('LimitField', () => {
  it('takes a whole number from 1 to max, as a number or as query-string text', () => {
    expect(problems({ limit: 10 })).toEqual({});
    expect(problems({ limit: '7' })).toEqual({});
  });

  it.each([0, 11, 2.5, 'ten'])('refuses %p', (limit) => {
    expect(problems({ limit }).limit).toBeDefined();
  });
});
