import type { ProcessRole } from './env.schema';

/** Which parts of Driftwatch run in a process; `all` runs everything in one. */
export const runsApi = (role: ProcessRole): boolean => role === 'api' || role === 'all';
export const runsWorker = (role: ProcessRole): boolean => role === 'worker' || role === 'all';
export const runsScheduler = (role: ProcessRole): boolean => role === 'scheduler' || role === 'all';
