import type { ConfigService } from '../../config/config.service';
import type { GuardSettings } from './fixup-guards';

export const FIXUPS_SETTINGS = Symbol('FIXUPS_SETTINGS');

export interface CorrectiveSyncSettings {
  /** Writes per second per target connector; absent or 0 = no limit. */
  ratePerSecond: (connectorId: string) => number;
  attempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseMs: number;
  lockMs: number;
  concurrency: number;
  batchWindowMs: number;
  batchMax: number;
  sweepIntervalMs: number;
}

export interface FixupsSettings {
  policyFile: string | undefined;
  guards: GuardSettings;
  sync: CorrectiveSyncSettings;
  redisUrl: string;
  queuePrefix: string;
}

export function parseRateLimits(text: string): Map<string, number> {
  const limits = new Map<string, number>();
  for (const part of text.split(',').filter(Boolean)) {
    const [id, value] = part.split('=');
    limits.set(id, Number(value));
  }
  return limits;
}

export function fixupsSettingsFrom(config: ConfigService): FixupsSettings {
  const limits = parseRateLimits(config.get('FIXUPS_RATE_LIMITS'));
  const fallback = config.get('FIXUPS_DEFAULT_RATE_PER_S');
  return {
    policyFile: config.get('FIXUPS_POLICY_FILE'),
    redisUrl: config.get('REDIS_URL'),
    queuePrefix: config.get('QUEUE_PREFIX'),
    guards: {
      maxAutoPerRun: config.get('FIXUPS_MAX_AUTO_PER_RUN'),
      maxAutoPerSystemPerHour: config.get('FIXUPS_MAX_AUTO_PER_SYSTEM_PER_HOUR'),
      spikeFactor: config.get('FIXUPS_SPIKE_FACTOR'),
      spikeMinFindings: config.get('FIXUPS_SPIKE_MIN_FINDINGS'),
      spikeHistoryRuns: config.get('FIXUPS_SPIKE_HISTORY_RUNS'),
    },
    sync: {
      ratePerSecond: (id) => limits.get(id) ?? fallback,
      attempts: config.get('FIXUPS_ATTEMPTS'),
      backoffBaseMs: config.get('FIXUPS_BACKOFF_BASE_MS'),
      backoffMaxMs: config.get('FIXUPS_BACKOFF_MAX_MS'),
      leaseMs: config.get('FIXUPS_LEASE_MS'),
      lockMs: config.get('FIXUPS_LOCK_MS'),
      concurrency: config.get('FIXUPS_CONCURRENCY'),
      batchWindowMs: config.get('FIXUPS_BATCH_WINDOW_MS'),
      batchMax: config.get('FIXUPS_BATCH_MAX'),
      sweepIntervalMs: config.get('FIXUPS_SWEEP_INTERVAL_MS'),
    },
  };
}
