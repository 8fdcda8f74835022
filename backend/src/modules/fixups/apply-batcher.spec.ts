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

  it('keeps filling a partial batch while another is in flight and sends it when that one returns', async () => {
    const batches: number[][] = [];
    const release: (() => void)[] = [];
    const batcher = new ApplyBatcher<number, number>(
      (items) => {
        batches.push(items);
        return new Promise((resolve) => release.push(() => resolve(new Map(items.map((i) => [i, i])))));
      },
      5,
      10,
    );
    const first = batcher.submit(1);
    await waitFor(() => batches.length === 1);
    const later = [2, 3, 4].map((i) => batcher.submit(i));
    await new Promise((resolve) => setTimeout(resolve, 30)); // several windows pass
    expect(batches).toEqual([[1]]);
    release[0]();
    await first;
    await waitFor(() => batches.length === 2);
    expect(batches[1]).toEqual([2, 3, 4]);
    release[1]();
    await expect(Promise.all(later)).resolves.toEqual([2, 3, 4]);
    expect(batcher.batchesInFlight).toBe(0);
  });

  it('sends full batches at once however many are in flight', async () => {
    const batches: number[][] = [];
    const release: (() => void)[] = [];
    const batcher = new ApplyBatcher<number, number>(
      (items) => {
        batches.push(items);
        return new Promise((resolve) => release.push(() => resolve(new Map(items.map((i) => [i, i])))));
      },
      60_000,
      2,
    );
    const answers = [1, 2, 3, 4, 5, 6].map((i) => batcher.submit(i));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(batcher.batchesInFlight).toBe(3);
    release.forEach((r) => r());
    await expect(Promise.all(answers)).resolves.toEqual([1, 2, 3, 4, 5, 6]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met within 1 s');
}
