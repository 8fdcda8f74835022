import { getQueueToken } from '@nestjs/bull';
import type { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Queue } from 'bull';
import { SnapshotRunsRepository } from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import { SnapshotCronSchedule } from '../../../backend/src/modules/snapshots/snapshot.schedule';
import { LEGACY, legacySource, type LegacySource } from './support/legacy-source';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from './support/snapshot-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduled snapshots', () => {
  let env: SnapshotTestEnv;
  let source: LegacySource;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    source = await legacySource(300);
    env = await snapshotTestEnv({ SNAPSHOT_SCHEDULES: `${LEGACY}:order:incremental=* * * * * *` });
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await env?.cleanup();
    await source?.drop();
  });

  it('two schedulers firing every second enqueue each slot once, and the worker runs each once', async () => {
    const worker = await startSnapshotApp('worker', env.env, source.provider());
    apps.push(worker);
    const schedulers = [
      await startSnapshotApp('scheduler', env.env, source.provider()),
      await startSnapshotApp('scheduler', env.env, source.provider()),
    ];
    apps.push(...schedulers);
    expect(schedulers[0].get(SchedulerRegistry).getCronJobs().has(`snapshot:${LEGACY}:order:incremental`)).toBe(true);
    await sleep(3200);
    for (const scheduler of schedulers) await scheduler.close();
    apps.splice(apps.indexOf(schedulers[0]), 2);

    const queue = worker.get<Queue>(getQueueToken('snapshot'));
    const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    const ids = jobs.map((j) => String(j.id));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^snapshot:legacy:order:incremental:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);

    // Every slot became exactly one run, run by the worker.
    const runs = worker.get(SnapshotRunsRepository);
    let done = await runs.list({ connectorId: LEGACY }, 100);
    for (let i = 0; i < 100 && (done.length < ids.length || done.some((r) => r.status !== 'complete')); i++) {
      await sleep(200);
      done = await runs.list({ connectorId: LEGACY }, 100);
    }
    expect(done.map((r) => r.jobId).sort()).toEqual([...ids].sort());
    expect(done.every((r) => r.status === 'complete' && r.trigger === 'schedule')).toBe(true);
  });

  it('a slot that fires twice is enqueued once', async () => {
    const scheduler = await startSnapshotApp('scheduler', { ...env.env, SNAPSHOT_SCHEDULES: '' }, source.provider());
    apps.push(scheduler);
    const schedule = { connectorId: LEGACY, entity: 'order', mode: 'full', cron: '0 2 * * *' } as const;
    const queue = scheduler.get<Queue>(getQueueToken('snapshot'));
    const before = await queue.getJobCounts();
    const slot = new Date('2030-01-01T02:00:00.000Z');
    await scheduler.get(SnapshotCronSchedule).tick(schedule, slot);
    await scheduler.get(SnapshotCronSchedule).tick(schedule, new Date(slot.getTime() + 400));
    const after = await queue.getJobCounts();
    const total = (c: typeof before) => c.waiting + c.active + c.completed + c.failed + c.delayed;
    expect(total(after) - total(before)).toBe(1);
    expect(await queue.getJob('snapshot:legacy:order:full:2030-01-01T02:00:00.000Z')).not.toBeNull();
  });
});
