import {
  ConnectorAuthError,
  ConnectorCircuitOpenError,
  ConnectorConfigError,
  ConnectorHttpError,
  ConnectorUnavailableError,
} from '../../connectors/connector.errors';

/**
 * A corrective-sync attempt that may succeed later: Bull retries the job after the target's
 * Retry-After (when the connector knew it) or after a jittered exponential backoff.
 */
export class RetryableSyncError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableSyncError';
  }
}

/** The task was dead-lettered; the job fails for good so that Bull keeps it in the failed set too. */
export class DeadLetteredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadLetteredError';
  }
}

export type ErrorClass = { retryable: true; retryAfterMs?: number } | { retryable: false };

/**
 * Whether a connector failure is worth retrying: throttling, outages, timeouts and an open circuit are;
 * refused credentials, bad configuration and other 4xx answers are not (they need a person).
 */
export function classifyError(error: unknown): ErrorClass {
  const hinted = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const retryAfterMs = typeof hinted === 'number' ? hinted : undefined;
  if (error instanceof ConnectorAuthError || error instanceof ConnectorConfigError) return { retryable: false };
  if (error instanceof ConnectorHttpError) {
    const throttled =
      error.status === 429 || (error.status === 403 && /REQUEST_LIMIT_EXCEEDED/.test(error.bodyExcerpt));
    if (throttled || error.status >= 500 || error.status === 408) return { retryable: true, retryAfterMs };
    return { retryable: false };
  }
  if (error instanceof ConnectorUnavailableError || error instanceof ConnectorCircuitOpenError) {
    return { retryable: true, retryAfterMs };
  }
  // Anything else (a lost database connection, a bug) is retried; exhausted retries dead-letter it.
  return { retryable: true, retryAfterMs };
}

export const errorText = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 2000);
