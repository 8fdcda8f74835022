import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '../api/http-client';

/** Loading, error and empty states for one query; renders `children` with the data otherwise. */
export function QueryState<T>({
  query,
  label,
  isEmpty,
  emptyText,
  children,
}: {
  query: UseQueryResult<T>;
  /** What is being loaded, e.g. "findings"; used in the loading and error texts. */
  label: string;
  isEmpty?: (data: T) => boolean;
  emptyText?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <LoadingState label={label} />;
  if (query.isError) return <ErrorState label={label} error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <p className="empty">{emptyText ?? `No ${label} yet.`}</p>;
  return <>{children(query.data)}</>;
}

export function LoadingState({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      Loading {label}…
    </p>
  );
}

export function ErrorState({ label, error, onRetry }: { label: string; error: unknown; onRetry?: () => void }) {
  if (error instanceof ApiError && error.notAvailable) return <NotAvailable what={label} endpoint={error.path} />;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      <p>
        Could not load {label}: {message}
        {error instanceof ApiError && error.requestId ? ` (request ${error.requestId})` : ''}
      </p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The backend does not offer this yet; says so instead of showing made-up figures. */
export function NotAvailable({ what, endpoint }: { what: string; endpoint: string }) {
  return (
    <div className="not-available" role="note">
      <strong>Not available:</strong> this backend has no API for {what} yet (<code>{endpoint}</code>).
    </div>
  );
}
