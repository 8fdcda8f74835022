/** Selecting one page of a sorted collection without sorting all of it. */
type SortValue = number | string | null;
interface Keyed<T> {
  item: T;
  values: SortValue[];
  position: number;
}

/**
 * The first `need` items of a stable sort by the given values (nulls first, `descending` per value),
 * each item's values computed once. A page of a large collection keeps only the best `need` in a
 * heap instead of sorting everything: a page of 10,000 of a million rows costs one pass.
 */
export function firstInOrder<T>(
  items: T[],
  need: number,
  valuesOf: (item: T) => unknown[],
  descending: boolean[],
): T[] {
  const compare = (a: Keyed<T>, b: Keyed<T>): number => {
    for (let j = 0; j < descending.length; j++) {
      const va = a.values[j];
      const vb = b.values[j];
      if (va === vb) continue;
      const d = va === null ? -1 : vb === null ? 1 : va < vb ? -1 : 1;
      return descending[j] ? -d : d;
    }
    // Equal values keep collection order, as the stable sort did.
    return a.position - b.position;
  };
  const keyed = (item: T, position: number): Keyed<T> => ({ item, values: valuesOf(item) as SortValue[], position });
  if (need <= 0) return [];
  if (need * 4 >= items.length) {
    const all = items.map(keyed);
    all.sort(compare);
    return all.slice(0, need).map((k) => k.item);
  }
  // Max-heap of the best `need` so far: its top is the worst of them.
  const heap: Keyed<T>[] = [];
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compare(heap[i], heap[parent]) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && compare(heap[l], heap[worst]) > 0) worst = l;
      if (r < heap.length && compare(heap[r], heap[worst]) > 0) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst], heap[i]];
      i = worst;
    }
  };
  for (let i = 0; i < items.length; i++) {
    const k = keyed(items[i], i);
    if (heap.length < need) {
      heap.push(k);
      up(heap.length - 1);
    } else if (compare(k, heap[0]) < 0) {
      heap[0] = k;
      down(0);
    }
  }
  heap.sort(compare);
  return heap.map((k) => k.item);
}
