/**
 * Faults a system can be told to show: outages, throttling, slow responses, a connection dropped in
 * the middle of a page, and malformed records. Rates are drawn from a seeded generator so a run with
 * the same seed fails the same way; `next` queues faults for the coming requests, for exact tests.
 */
import { Prng } from '../generator/prng';

export const FAULT_KINDS = ['outage', 'throttle', 'slow', 'drop', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SystemFaults {
  /** Share of API requests answered with a 5xx (status `outageStatus`, default 503). */
  outageRate?: number;
  outageStatus?: number;
  /** Share of API requests throttled (429 + Retry-After; Salesforce: 403 REQUEST_LIMIT_EXCEEDED). */
  throttleRate?: number;
  retryAfterSeconds?: number;
  /** Share of API requests delayed by `slowMs`. */
  slowRate?: number;
  slowMs?: number;
  /** Share of list pages whose connection is cut after half the body. */
  dropMidPageRate?: number;
  /** Share of list pages that carry one malformed record (bad date, null required field, overlong string). */
  malformedRate?: number;
  /** Faults for the next requests, in order, before rates apply. */
  next?: FaultKind[];
}

export class FaultInjector {
  private config: SystemFaults;
  private readonly rng: Prng;
  readonly injected: Record<FaultKind, number> = { outage: 0, throttle: 0, slow: 0, drop: 0, malformed: 0 };

  constructor(config: SystemFaults = {}, seed = 1) {
    this.config = normalise(config);
    this.rng = new Prng(seed);
  }

  get current(): SystemFaults {
    return { ...this.config, next: [...(this.config.next ?? [])] };
  }

  set(config: SystemFaults): SystemFaults {
    this.config = normalise(config);
    return this.current;
  }

  get retryAfterSeconds(): number {
    return this.config.retryAfterSeconds ?? 2;
  }

  get outageStatus(): number {
    return this.config.outageStatus ?? 503;
  }

  get slowMs(): number {
    return this.config.slowMs ?? 2000;
  }

  /** The faults to apply to one request (several can combine, e.g. slow and then dropped). */
  decide(isListPage: boolean): Set<FaultKind> {
    const out = new Set<FaultKind>();
    const queued = this.config.next?.shift();
    if (queued) out.add(queued);
    else {
      const c = this.config;
      if (c.outageRate && this.rng.chance(c.outageRate)) out.add('outage');
      else if (c.throttleRate && this.rng.chance(c.throttleRate)) out.add('throttle');
      else {
        if (c.slowRate && this.rng.chance(c.slowRate)) out.add('slow');
        if (isListPage && c.dropMidPageRate && this.rng.chance(c.dropMidPageRate)) out.add('drop');
        if (isListPage && c.malformedRate && this.rng.chance(c.malformedRate)) out.add('malformed');
      }
    }
    for (const kind of out) this.injected[kind]++;
    return out;
  }

  /**
   * Whether a streaming request meets an outage: drawn at `outageRate`, never taken from `next`,
   * because a subscriber's long polls run in the background and would take the faults a test queued
   * for its next API call.
   */
  decideStreamingOutage(): boolean {
    const rate = this.config.outageRate;
    const hit = rate !== undefined && rate > 0 && this.rng.chance(rate);
    if (hit) this.injected.outage++;
    return hit;
  }
}

function normalise(config: SystemFaults): SystemFaults {
  for (const kind of config.next ?? []) {
    if (!FAULT_KINDS.includes(kind))
      throw new Error(`unknown fault kind '${String(kind)}' (expected one of ${FAULT_KINDS.join(', ')})`);
  }
  for (const key of ['outageRate', 'throttleRate', 'slowRate', 'dropMidPageRate', 'malformedRate'] as const) {
    const v = config[key];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1))
      throw new Error(`${key} must be a number between 0 and 1`);
  }
  return { ...config, next: [...(config.next ?? [])] };
}
