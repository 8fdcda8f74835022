import { MultiIndex } from './multi-index';

describe('MultiIndex', () => {
  it('holds one key, several keys in insertion order, and forgets removed ones', () => {
    const index = new MultiIndex<string>();
    expect(index.get('c1')).toEqual([]);
    index.add('c1', 'a');
    index.add('c1', 'a');
    expect(index.get('c1')).toEqual(['a']);
    index.add('c1', 'b');
    index.add('c1', 'c');
    expect(index.get('c1')).toEqual(['a', 'b', 'c']);
    index.remove('c1', 'b');
    expect(index.get('c1')).toEqual(['a', 'c']);
    index.remove('c1', 'a');
    index.remove('c1', 'c');
    expect(index.get('c1')).toEqual([]);
    index.add('c2', 'x');
    index.remove('c2', 'y');
    expect(index.get('c2')).toEqual(['x']);
    index.remove('c2', 'x');
    expect(index.get('c2')).toEqual([]);
  });
});
