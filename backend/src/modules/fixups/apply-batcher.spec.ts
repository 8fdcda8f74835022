import { ApplyBatcher } from './apply-batcher';

describe('apply batcher', () => {
  it('sends items arriving within the window as one batch and answers each', async () => {
    const batches: number[][] = [];
    const batcher = new ApplyBatcher<number, string>(
      async (items) => {
        batches.push(items);
        return new Map(items.map((i) => [i, `r${i}`]));
      },
      20,
      100,
    );
    const answers = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(answers).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('flushes at the maximum size without waiting for the window', async () => {
    const batches: number[][] = [];
    const batcher = new ApplyBatcher<number, number>(
      async (items) => {
        batches.push(items);
        return new Map(items.map((i) => [i, i]));
      },
      60_000,
      2,
    );
    await Promise.all([1, 2, 3, 4].map((i) => batcher.submit(i)));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('rejects every item of a batch that failed as a whole', async () => {
    const batcher = new ApplyBatcher<number, number>(() => Promise.reject(new Error('down')), 1, 10);
    await expect(Promise.all([batcher.submit(1), batcher.submit(2)])).rejects.toThrow('down');
  });
});
