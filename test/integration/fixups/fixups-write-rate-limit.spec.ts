import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { WriteRateLimiter } from '../../../backend/src/modules/fixups/write-rate-limiter';
import { startSmallEstate } from '../connectors/support/estate-harness';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import { redisUrl } from '../support/test-services';
import {
  crmCityFindings,
  crmConnector,
  seedRun,
  startFixupsApp,
  taskStates,
  waitFor,
  writesByKey,
} from './support/fixups-harness';

/** The most timestamps in any sliding window of `windowMs` (a window holds t with t - start < windowMs). */
function maxInWindow(times: number[], windowMs = 1000): number {
  const ms = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let lo = 0, hi = 0; hi < ms.length; hi++) {
    while (ms[hi] - ms[lo] >= windowMs) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

describe('write rate limit shared by workers, counted in records at the write', () => {
  it('never grants more than the limit in any sliding window while writes are in flight, across two limiters', async () => {
    const settings = { redisUrl: redisUrl(), sync: { leaseMs: 5000 } } as ConstructorParameters<
      typeof WriteRateLimiter
    >[0];
    const keyPrefix = `dw-test:write-rate:${randomBytes(4).toString('hex')}`;
    const a = new WriteRateLimiter(settings, { keyPrefix });
    const b = new WriteRateLimiter(settings, { keyPrefix });
    // Each "write" lands somewhere between its grant and its release; the estate could record any of them.
    const grants: number[] = [];
    const releases: number[] = [];
    const started = Date.now();
    try {
      await Promise.all(
        Array.from({ length: 24 }, async (_, i) => {
          const limiter = i % 2 === 0 ? a : b;
          const slot = await limiter.acquire('crm', 3, 12);
          grants.push(...Array<number>(3).fill(Date.now()));
          await new Promise((resolve) => setTimeout(resolve, 30 + (i % 5) * 40));
          releases.push(...Array<number>(3).fill(Date.now()));
          await slot.release();
        }),
      );
    } finally {
      await a.onModuleDestroy();
      await b.onModuleDestroy();
    }
    expect(maxInWindow(grants)).toBeLessThanOrEqual(12);
    expect(maxInWindow(releases)).toBeLessThanOrEqual(12);
    // 72 records at 12 per second take more than 5 s: the limiter waited rather than let them through.
    expect(Date.now() - started).toBeGreaterThan(5000);
    await expect(a.acquire('crm', 13, 12)).rejects.toThrow('can never fit');
  }, 30_000);

  describe('two workers (separate apps, own Redis connections) writing to the estate CRM with crm=10 writes/s', () => {
    let estate: RunningEstate;
    let env: SnapshotTestEnv;
    let workers: INestApplication[] = [];

    beforeAll(async () => {
      estate = await startSmallEstate(80);
      env = await snapshotTestEnv({
        FIXUPS_BATCH_WINDOW_MS: '20',
        FIXUPS_SWEEP_INTERVAL_MS: '0',
        FIXUPS_RATE_LIMITS: 'crm=10',
      });
      workers = [
        await startFixupsApp('worker', env.env, [crmConnector(estate)]),
        await startFixupsApp('worker', env.env, [crmConnector(estate)]),
      ];
    }, 90_000);

    afterAll(async () => {
      for (const w of workers) await w.close();
      await env?.cleanup();
      await estate?.stop();
    });

    it('the estate records at most 10 writes in any second, every record once', async () => {
      const dataSource = workers[0].get(DataSource);
      const findings = await crmCityFindings(crmConnector(estate), 50);
      const { runId } = await seedRun(dataSource, findings);
      const since = Date.now();
      await workers[0].get(FixupPlannerService).planRun(runId);
      await waitFor(
        () => taskStates(dataSource, runId),
        (s) => s.done === 50,
        60_000,
        'all tasks done',
      );
      const records = await crmConnector(estate).read(
        'customer',
        findings.map((f) => f.actualKey),
      );
      const writeTimes = records.map((r) => r.sourceUpdatedAt!.getTime()).filter((t) => t >= since);
      expect(writeTimes).toHaveLength(50);
      expect(maxInWindow(writeTimes)).toBeLessThanOrEqual(10);
      const writes = await writesByKey(estate.crm.baseUrl);
      for (const f of findings) expect(writes[`Account/${f.actualKey}`]).toBe(1);
      // Both workers took part (the limit is shared, not per process).
      const [{ workersSeen }] = await dataSource.query(
        `SELECT count(DISTINCT e.actor)::int AS "workersSeen" FROM fix_task_events e JOIN fix_tasks t ON t.id = e.task_id
         WHERE t.created_run_id = $1 AND e.to_state = 'applying'`,
        [runId],
      );
      expect(workersSeen).toBe(2);
    }, 90_000);
  });
});
