/**
 * Blast-radius guards for auto-fixes. A misbehaving extract or rule can produce thousands of findings
 * at once; writing them all back automatically would spread the damage. So auto-fixes are capped per
 * run and per target system per hour, and a rule whose findings spike far above its recent runs has its
 * auto-fixes held for a person.
 */

export interface GuardSettings {
  maxAutoPerRun: number;
  maxAutoPerSystemPerHour: number;
  /** A rule is spiking when its findings exceed factor × the median of its recent runs… */
  spikeFactor: number;
  /** …and at least this many (small rules jump from 1 to 5 without meaning anything). */
  spikeMinFindings: number;
  spikeHistoryRuns: number;
}

export interface SpikeVerdict {
  spiking: boolean;
  reason?: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `history`: the rule's finding counts in its previous runs (newest first). No history, no spike. */
export function assessSpike(
  ruleId: string,
  findings: number,
  history: readonly number[],
  settings: GuardSettings,
): SpikeVerdict {
  if (history.length === 0 || findings < settings.spikeMinFindings) return { spiking: false };
  const usual = median(history);
  const limit = Math.max(settings.spikeMinFindings, settings.spikeFactor * usual);
  if (findings <= limit) return { spiking: false };
  return {
    spiking: true,
    reason:
      `auto-fix held: rule ${ruleId} found ${findings} this run, more than ${settings.spikeFactor}× ` +
      `its usual ${usual} (median of ${history.length} runs)`,
  };
}

/**
 * Splits a run's auto-fix candidates per target system into those that may go ahead and those held by
 * the caps. `usedThisHour` is what each system already received in the last hour.
 */
export function applyCaps<T extends { targetSystem: string }>(
  candidates: readonly T[],
  usedThisHour: ReadonlyMap<string, number>,
  settings: GuardSettings,
): { allowed: T[]; held: { item: T; reason: string }[] } {
  const allowed: T[] = [];
  const held: { item: T; reason: string }[] = [];
  const perSystem = new Map<string, number>();
  for (const item of candidates) {
    if (allowed.length >= settings.maxAutoPerRun) {
      held.push({ item, reason: `auto-fix held: more than ${settings.maxAutoPerRun} auto-fixes in one run` });
      continue;
    }
    const used = (usedThisHour.get(item.targetSystem) ?? 0) + (perSystem.get(item.targetSystem) ?? 0);
    if (used >= settings.maxAutoPerSystemPerHour) {
      held.push({
        item,
        reason: `auto-fix held: ${item.targetSystem} already had ${settings.maxAutoPerSystemPerHour} auto-fixes this hour`,
      });
      continue;
    }
    perSystem.set(item.targetSystem, (perSystem.get(item.targetSystem) ?? 0) + 1);
    allowed.push(item);
  }
  return { allowed, held };
}
