import type { ProcessRole } from './env.schema';

/** Which parts of Driftwatch run in a process; `all` runs everything in one. */
export const runsApi = (role: ProcessRole): boolean => role === 'api' || role === 'all';
export const runsWorker = (role: ProcessRole): boolean => role === 'worker' || role === 'all';
export const runsScheduler = (role: ProcessRole): boolean => role === 'scheduler' || role === 'all';

/**
 * One dynamic-module object per role. A feature module imported from several places must resolve
 * to a single instance, or its Bull processors register twice and a worker refuses to boot.
 */
export function onePerRole<M>(build: (role: ProcessRole) => M): (role: ProcessRole) => M {
  const built = new Map<ProcessRole, M>();
  return (role) => {
    const existing = built.get(role);
    if (existing !== undefined) return existing;
    const module = build(role);
    built.set(role, module);
    return module;
  };
}
