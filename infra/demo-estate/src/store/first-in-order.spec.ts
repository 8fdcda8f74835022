import { firstInOrder } from './first-in-order';
import { Prng } from '../generator/prng';

describe('firstInOrder', () => {
  it('equals the head of a stable sort, for small and large pages, ascending/descending, nulls and ties', () => {
    const rng = new Prng(11);
    const items = Array.from({ length: 2000 }, (_, i) => ({
      i,
      a: rng.chance(0.1) ? null : `k${rng.int(50)}`,
      b: rng.chance(0.1) ? null : rng.int(20),
    }));
    for (const descending of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      const values = (x: (typeof items)[number]) => [x.a, x.b];
      const sorted = [...items].sort((x, y) => {
        const vx = values(x);
        const vy = values(y);
        for (let j = 0; j < 2; j++) {
          if (vx[j] === vy[j]) continue;
          const d =
            vx[j] === null ? -1 : vy[j] === null ? 1 : (vx[j] as string | number) < (vy[j] as string | number) ? -1 : 1;
          return descending[j] ? -d : d;
        }
        return 0;
      });
      for (const need of [0, 1, 7, 100, 499, 500, 1999, 2000, 2500])
        expect(firstInOrder(items, need, values, descending).map((x) => x.i)).toEqual(
          sorted.slice(0, need).map((x) => x.i),
        );
    }
  });
});
