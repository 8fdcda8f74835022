/** Typed failures of connectors: callers decide (retry the job, mark the snapshot failed) from the type. */
export class ConnectorError extends Error {
  constructor(
    readonly connectorId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`[${connectorId}] ${message}`, options);
    this.name = new.target.name;
  }
}

/**
 * The system answered with a status the caller did not expect (after retries where retrying made sense).
 * `retryAfterMs`: the wait the system asked for in `Retry-After` on its last answer (429/503), if any.
 */
export class ConnectorHttpError extends ConnectorError {
  constructor(
    connectorId: string,
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly bodyExcerpt: string,
    readonly retryAfterMs?: number,
  ) {
    super(connectorId, `${method} ${url} answered ${status}: ${bodyExcerpt}`);
  }
}

/** No answer in time, or the connection dropped, on every attempt. */
export class ConnectorUnavailableError extends ConnectorError {}

/** The circuit breaker is open: the system failed repeatedly and calls are refused until it half-opens. */
export class ConnectorCircuitOpenError extends ConnectorError {}

/** Credentials were refused even after a fresh token. */
export class ConnectorAuthError extends ConnectorError {}

/** Bad connector configuration (unknown kind, missing secret, invalid mapping). */
export class ConnectorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectorConfigError';
  }
}

/** A resume cursor that this connector did not produce or cannot parse. */
export class InvalidCursorError extends ConnectorError {}
