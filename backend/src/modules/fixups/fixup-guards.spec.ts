import { applyCaps, assessSpike, median, type GuardSettings } from './fixup-guards';

const settings: GuardSettings = {
  maxAutoPerRun: 5,
  maxAutoPerSystemPerHour: 3,
  spikeFactor: 4,
  spikeMinFindings: 20,
  spikeHistoryRuns: 5,
};

describe('blast-radius guards', () => {
  it('takes the median of recent runs', () => {
    expect(median([10, 1000, 12])).toBe(12);
    expect(median([10, 20])).toBe(15);
    expect(median([])).toBe(0);
  });

  it('holds a rule whose findings jump far above its usual', () => {
    const verdict = assessSpike('r', 500, [30, 25, 40], settings);
    expect(verdict.spiking).toBe(true);
    expect(verdict.reason).toMatch(/rule r found 500 this run, more than 4× its usual 30/);
  });

  it('does not hold normal variation, small rules, or a rule without history', () => {
    expect(assessSpike('r', 110, [30, 25, 40], settings).spiking).toBe(false);
    expect(assessSpike('r', 19, [1, 1, 1], settings).spiking).toBe(false);
    expect(assessSpike('r', 5000, [], settings).spiking).toBe(false);
    // From zero to just above the minimum is not a spike either: the limit is at least the minimum.
    expect(assessSpike('r', 20, [0, 0], settings).spiking).toBe(false);
    expect(assessSpike('r', 21, [0, 0], settings).spiking).toBe(true);
  });

  it('caps auto-fixes per system per hour, counting what the hour already used', () => {
    const items = ['crm', 'crm', 'crm', 'erp', 'crm'].map((targetSystem, i) => ({ targetSystem, i }));
    const { allowed, held } = applyCaps(items, new Map([['crm', 1]]), settings);
    expect(allowed.map((a) => a.i)).toEqual([0, 1, 3]);
    expect(held.map((h) => h.item.i)).toEqual([2, 4]);
    expect(held[0].reason).toMatch(/crm already had 3 auto-fixes this hour/);
  });

  it('caps auto-fixes per run', () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ targetSystem: `s${i}`, i }));
    const { allowed, held } = applyCaps(items, new Map(), settings);
    expect(allowed).toHaveLength(5);
    expect(held).toHaveLength(3);
    expect(held[0].reason).toMatch(/more than 5 auto-fixes in one run/);
  });
});
