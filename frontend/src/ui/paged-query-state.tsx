import type { ReactNode } from 'react';
import { LoadMoreButton } from './load-more-button';
import { ErrorState, LoadingState } from './query-state';

/** What PagedQueryState reads of an infinite query (react-query's useInfiniteQuery result). */
interface PagedQuery<P> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
  data?: { pages: P[] };
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/**
 * Loading, error and empty states of a list read a page at a time; renders `children` with every item
 * loaded so far, then the button for the next page while there is one.
 */
export function PagedQueryState<P, T>({
  query,
  label,
  itemsOf,
  emptyText,
  loadMoreLabel,
  children,
}: {
  query: PagedQuery<P>;
  /** What is being loaded, e.g. "findings"; used in the loading and error texts. */
  label: string;
  itemsOf: (page: P) => T[];
  emptyText: ReactNode;
  loadMoreLabel?: string;
  children: (items: T[]) => ReactNode;
}) {
  if (query.isPending) return <LoadingState label={label} />;
  if (query.isError) return <ErrorState label={label} error={query.error} onRetry={() => void query.refetch()} />;
  const items = query.data?.pages.flatMap(itemsOf) ?? [];
  if (items.length === 0) return <p className="empty">{emptyText}</p>;
  return (
    <>
      {children(items)}
      <LoadMoreButton query={query} label={loadMoreLabel} />
    </>
  );
}
