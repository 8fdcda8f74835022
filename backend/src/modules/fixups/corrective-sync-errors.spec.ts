import {
  ConnectorAuthError,
  ConnectorCircuitOpenError,
  ConnectorHttpError,
  ConnectorUnavailableError,
} from '../../connectors/connector.errors';
import { correctiveSyncBackoff } from './corrective-sync-queues';
import { classifyError } from './corrective-sync-errors';

describe('corrective sync retries', () => {
  it('retries throttling, outages and an open circuit; not refused credentials or bad requests', () => {
    expect(classifyError(new ConnectorHttpError('crm', 'PATCH', '/x', 429, 'slow down')).retryable).toBe(true);
    expect(
      classifyError(new ConnectorHttpError('crm', 'PATCH', '/x', 403, '[{"errorCode":"REQUEST_LIMIT_EXCEEDED"}]'))
        .retryable,
    ).toBe(true);
    expect(classifyError(new ConnectorHttpError('crm', 'PATCH', '/x', 503, 'down')).retryable).toBe(true);
    expect(classifyError(new ConnectorUnavailableError('crm', 'timeout')).retryable).toBe(true);
    expect(classifyError(new ConnectorCircuitOpenError('crm', 'open')).retryable).toBe(true);
    expect(classifyError(new ConnectorAuthError('crm', 'refused')).retryable).toBe(false);
    expect(classifyError(new ConnectorHttpError('crm', 'PATCH', '/x', 400, 'bad')).retryable).toBe(false);
  });

  it("waits at least the target's Retry-After when the error carries it", () => {
    const error = Object.assign(new ConnectorHttpError('crm', 'PATCH', '/x', 429, ''), { retryAfterMs: 7000 });
    expect(classifyError(error)).toEqual({ retryable: true, retryAfterMs: 7000 });
    const settings = { backoffBaseMs: 100, backoffMaxMs: 60_000 };
    for (const r of [0, 0.5, 0.999]) {
      const delay = correctiveSyncBackoff(1, error, settings, () => r);
      expect(delay).toBeGreaterThanOrEqual(7000);
      expect(delay).toBeLessThanOrEqual(8000);
    }
  });

  it('backs off exponentially with jitter, capped', () => {
    const settings = { backoffBaseMs: 1000, backoffMaxMs: 10_000 };
    const error = new Error('x');
    expect(correctiveSyncBackoff(1, error, settings, () => 0)).toBe(500);
    expect(correctiveSyncBackoff(1, error, settings, () => 0.999)).toBeLessThan(1000);
    expect(correctiveSyncBackoff(3, error, settings, () => 0)).toBe(2000);
    expect(correctiveSyncBackoff(10, error, settings, () => 0.999)).toBeLessThanOrEqual(10_000);
    expect(correctiveSyncBackoff(10, error, settings, () => 0)).toBe(5000);
  });
});
