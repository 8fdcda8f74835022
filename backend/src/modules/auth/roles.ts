/**
 * Driftwatch roles, lowest first. Each role includes the ones before it: an engineer can do what a
 * viewer can, a steward what an engineer can, an admin everything.
 *  - viewer: read dashboards, findings, runs
 *  - engineer: triage findings, retry and replay jobs
 *  - steward: approve merges and fixes
 *  - admin: connectors, rules, API keys
 */
export const ROLES = ['viewer', 'engineer', 'steward', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

const rank = (role: Role): number => ROLES.indexOf(role);

/** True when any held role is at or above any of the roles a route accepts. */
export function satisfies(held: readonly Role[], accepted: readonly Role[]): boolean {
  if (!held.length || !accepted.length) return false;
  const highest = Math.max(...held.map(rank));
  return accepted.some((role) => highest >= rank(role));
}
