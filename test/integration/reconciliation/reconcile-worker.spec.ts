import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Job } from 'bull';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ClickHouseModule } from '../../../backend/src/clickhouse/clickhouse.module';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { ConfigModule } from '../../../backend/src/config/config.module';
import { DatabaseModule } from '../../../backend/src/database/database.module';
import { HttpModule } from '../../../backend/src/http/http.module';
import { AuditModule } from '../../../backend/src/modules/audit/audit.module';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { ReconciliationModule } from '../../../backend/src/modules/reconciliation/reconciliation.module';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { SnapshotCompletionListener } from '../../../backend/src/modules/reconciliation/snapshot-completion.listener';
import { JobEnqueuer } from '../../../backend/src/queues/job-enqueuer';
import { QUEUE } from '../../../backend/src/queues/queue-names';
import { QueuesModule } from '../../../backend/src/queues/queues.module';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import { customers, ReconciliationFixture, TEST_RULES_DIR } from './support/reconciliation-fixture';

describe('the reconcile worker: queued jobs become runs, a complete snapshot queues a run', () => {
  let env: SnapshotTestEnv;
  let app: INestApplication;
  let fx: ReconciliationFixture;

  beforeAll(async () => {
    env = await snapshotTestEnv({
      RECONCILIATION_RULES_DIR: TEST_RULES_DIR,
      RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS: '0',
    });
    const saved = { ...process.env };
    Object.assign(process.env, env.env);
    try {
      @Module({
        // As AppModule composes the worker: audit is global there (findings record assignments in it).
        imports: [
          ConfigModule,
          ClickHouseModule,
          DatabaseModule,
          QueuesModule,
          HttpModule,
          AuditModule.forRole('worker'),
          ReconciliationModule.forRole('worker'),
        ],
      })
      class WorkerTestModule {}
      app = await NestFactory.create(WorkerTestModule, { logger: ['error'], abortOnError: false });
      app.enableShutdownHooks();
      await app.init();
    } finally {
      process.env = saved;
    }
    fx = ReconciliationFixture.over({
      clickhouse: app.get(ClickHouseService),
      dataSource: app.get(DataSource),
      service: app.get(ReconciliationService),
      findings: app.get(FindingsRepository),
    });
    const erp = customers(150);
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot('crm', erp.slice(0, 140));
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('processes a reconcile job into a recorded run', async () => {
    const jobId = `reconcile:test:${randomUUID()}`;
    const job = await app.get(JobEnqueuer).enqueue(QUEUE.reconcile, { trigger: 'schedule' }, { jobId });
    const result = (await job.finished()) as { runId: string; status: string; findingsTotal: number };
    expect(result).toMatchObject({ status: 'complete', findingsTotal: 10 });
    const [run] = await fx.dataSource.query(`SELECT trigger, status, job_id FROM reconciliation_runs WHERE id = $1`, [
      result.runId,
    ]);
    expect(run).toEqual({ trigger: 'schedule', status: 'complete', job_id: jobId });
  });

  it('queues a targeted run for a complete event snapshot and nothing for a snapshot that did not complete', async () => {
    const listener = app.get(SnapshotCompletionListener);
    const reconcile = app.get(JobEnqueuer).queue(QUEUE.reconcile);
    const snapshotId = await fx.completeSnapshot(
      'crm',
      [{ customer_number: 'C0141', legal_name: 'Acme 141' }],
      'incremental',
    );
    const snapshotJob = {
      id: 'snap-1',
      data: { connectorId: 'crm', entity: 'customer', mode: 'incremental', keys: ['crm-C0141'], trigger: 'event' },
    } as unknown as Job<unknown>;
    await listener.onCompleted(snapshotJob, { runId: snapshotId, status: 'complete' });
    // The first batch of customer event snapshots (a fresh queue prefix).
    const targeted = await reconcile.getJob('reconcile:event:customer:0');
    expect(targeted).toBeTruthy();
    const outcome = (await targeted?.finished()) as { status: string; resolvedTotal: number };
    expect(outcome).toMatchObject({ status: 'complete', resolvedTotal: 1 });
    expect((await reconcile.getJob('reconcile:event:customer:0'))?.data).toEqual({
      trigger: 'event',
      entity: 'customer',
      eventBatch: 0,
      snapshotRunIds: [snapshotId],
    });

    const waiting = await reconcile.getJobCounts();
    await listener.onCompleted(
      {
        id: 'snap-2',
        data: { connectorId: 'erp', entity: 'customer', mode: 'full', trigger: 'schedule' },
      } as unknown as Job<unknown>,
      { runId: 'r', status: 'partial' },
    );
    expect(await reconcile.getJobCounts()).toEqual(waiting);
  });

  it('coalesces the event snapshots that land while the worker is busy into one targeted run', async () => {
    const listener = app.get(SnapshotCompletionListener);
    const reconcile = app.get(JobEnqueuer).queue(QUEUE.reconcile);
    const event = (n: number) =>
      ({
        id: `snap-batch-${n}`,
        data: { connectorId: 'crm', entity: 'customer', mode: 'incremental', keys: [`crm-C01${n}`], trigger: 'event' },
      }) as unknown as Job<unknown>;
    // Busy: this worker takes no job until resumed.
    await reconcile.pause(true);
    const snapshots: string[] = [];
    const before = await reconcile.getJobCounts();
    for (const n of [10, 11, 12]) {
      const id = await fx.completeSnapshot(
        'crm',
        [{ customer_number: `C01${n}`, legal_name: `Moved ${n}` }],
        'incremental',
      );
      snapshots.push(id);
      await listener.onCompleted(event(n), { runId: id, status: 'complete' });
    }
    const counts = await reconcile.getJobCounts();
    expect(counts.waiting - before.waiting).toBe(1);
    const batch = await reconcile.getJob('reconcile:event:customer:1');
    expect(batch?.data).toEqual({ trigger: 'event', entity: 'customer', eventBatch: 1 });

    await reconcile.resume(true);
    const outcome = (await batch?.finished()) as { runId: string; status: string };
    expect(outcome.status).toBe('complete');
    expect((await reconcile.getJob('reconcile:event:customer:1'))?.data).toMatchObject({
      snapshotRunIds: [...snapshots].sort(),
    });
    const [run] = await fx.dataSource.query(`SELECT scope FROM reconciliation_runs WHERE id = $1`, [outcome.runId]);
    expect(run.scope.target).toMatchObject({ entity: 'customer', snapshotRunIds: [...snapshots].sort() });
    expect(
      await fx.dataSource.query(`SELECT count(*)::int AS n FROM reconciliation_runs WHERE job_id = $1`, [batch?.id]),
    ).toEqual([{ n: 1 }]);

    // The batch was taken: the next event snapshot starts the next one.
    const later = await fx.completeSnapshot(
      'crm',
      [{ customer_number: 'C0113', legal_name: 'Moved 13' }],
      'incremental',
    );
    await listener.onCompleted(event(13), { runId: later, status: 'complete' });
    const next = await reconcile.getJob('reconcile:event:customer:2');
    expect(((await next?.finished()) as { status: string }).status).toBe('complete');
  });
});
