import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FixupBulkDismissDto, FixupDismissDto } from './fixups.dto';

const problems = (type: new () => object, body: object) =>
  validateSync(plainToInstance(type, body)).map((e) => e.property);

describe('fix-up dismissal bodies', () => {
  const ids = ['00000000-0000-4000-8000-000000000000'];

  it('require a reason of 3 to 500 characters, for one task and for many', () => {
    expect(problems(FixupDismissDto, {})).toEqual(['reason']);
    expect(problems(FixupBulkDismissDto, { ids })).toEqual(['reason']);
    expect(problems(FixupBulkDismissDto, { ids, reason: 'no' })).toEqual(['reason']);
    expect(problems(FixupBulkDismissDto, { ids, reason: 'duplicate of another task' })).toEqual([]);
  });
});
