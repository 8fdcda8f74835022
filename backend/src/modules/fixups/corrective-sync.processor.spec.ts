import { jobConcurrency } from './corrective-sync.processor';

describe('corrective-sync job concurrency per target', () => {
  const sync = (rates: Record<string, number>) => ({
    concurrency: 600,
    leaseMs: 120_000,
    ratePerSecond: (id: string) => rates[id] ?? 0,
  });

  it('runs FIXUPS_CONCURRENCY jobs for a target without a rate limit', () => {
    expect(jobConcurrency(sync({}), 'crm')).toBe(600);
  });

  it('holds no more claims for a rate-limited target than it may write in a quarter of the lease', () => {
    expect(jobConcurrency(sync({ crm: 50 }), 'crm')).toBe(600);
    expect(jobConcurrency(sync({ crm: 5 }), 'crm')).toBe(150);
    expect(jobConcurrency({ ...sync({ crm: 10 }), leaseMs: 3000 }, 'crm')).toBe(7);
    expect(jobConcurrency({ ...sync({ crm: 1 }), leaseMs: 1000 }, 'crm')).toBe(1);
  });
});
