import type { JobOptions } from 'bull';

/**
 * Every queue retries with exponential backoff and keeps exhausted jobs in Bull's failed set,
 * which is the dead-letter place the API lists and replays from.
 */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: 1000,
  removeOnFail: false,
};
