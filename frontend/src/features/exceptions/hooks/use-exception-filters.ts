import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import {
  FINDING_FILTER_NAMES,
  FINDING_SORT_KEYS,
  type FindingFilters,
  type FindingQuery,
  type FindingSort,
  type FindingSortKey,
} from '../../../api/findings';

/** Most recently changed first: a run's new and reopened findings lead the queue. */
export const DEFAULT_SORT = '-statusChangedAt';
/** The queue shows what needs work (new, open, reopened) unless another status is chosen. */
export const DEFAULT_STATUS = 'active';
/** The status choice for every status (kept in the URL, never sent: the API's default). */
export const ANY_STATUS = 'any';

export interface ExceptionView {
  /** As chosen, for the filter bar: the status is always set (`active` by default, or `any`). */
  filters: FindingFilters; /** As the API takes them: `any` status left out. */
  query: FindingQuery;
  /** Whether anything beyond the default status narrows the list. */
  narrowed: boolean;
  sort: { key: FindingSortKey; direction: 'asc' | 'desc'; text: FindingSort };
  /** The finding open in the detail panel. */
  selected: string | null;
}

function parseSort(text: string | null): ExceptionView['sort'] {
  const raw = text ?? DEFAULT_SORT;
  const key = raw.replace(/^-/, '') as FindingSortKey;
  if (!FINDING_SORT_KEYS.includes(key)) return parseSort(DEFAULT_SORT);
  return { key, direction: raw.startsWith('-') ? 'desc' : 'asc', text: raw as FindingSort };
}

/** The queue's filters, sort and open finding live in the URL, so a view can be shared or bookmarked. */
export function useExceptionFilters() {
  const [params, setParams] = useSearchParams();

  const view = useMemo<ExceptionView>(() => {
    const filters: FindingFilters = { status: DEFAULT_STATUS };
    for (const name of FINDING_FILTER_NAMES) {
      const value = params.get(name);
      if (value) filters[name] = value;
    } // The URL's text as it stands: the API validates it (a 400 names a bad value).
    const query = { ...filters } as FindingQuery;
    if (filters.status === ANY_STATUS) delete query.status;
    const narrowed = Object.entries(filters).some(([name, value]) => name !== 'status' || value !== DEFAULT_STATUS);
    return { filters, query, narrowed, sort: parseSort(params.get('sort')), selected: params.get('finding') };
  }, [params]);

  const update = useCallback(
    (changes: Record<string, string | null>) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [name, value] of Object.entries(changes)) {
            if (value === null || value === '') next.delete(name);
            else next.set(name, value);
          }
          return next;
        },
        { replace: false },
      ),
    [setParams],
  );

  return {
    view,
    setFilter: (name: keyof FindingFilters, value: string | null) =>
      update({ [name]: name === 'status' && value === DEFAULT_STATUS ? null : value }),
    clearFilters: () => update(Object.fromEntries(FINDING_FILTER_NAMES.map((n) => [n, null]))),
    /** Clicking the current sort column flips its direction; another column starts descending. */
    sortBy: (key: FindingSortKey) => {
      const next = view.sort.key === key && view.sort.direction === 'desc' ? key : `-${key}`;
      update({ sort: next === DEFAULT_SORT ? null : next });
    },
    select: (id: string | null) => update({ finding: id }),
  };
}
