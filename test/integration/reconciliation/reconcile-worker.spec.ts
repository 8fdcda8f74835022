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
    const targeted = await reconcile.getJob(`reconcile:event:${snapshotId}`);
    expect(targeted?.data).toEqual({ trigger: 'event', entity: 'customer', snapshotRunId: snapshotId });
    const outcome = (await targeted?.finished()) as { status: string; resolvedTotal: number };
    expect(outcome).toMatchObject({ status: 'complete', resolvedTotal: 1 });

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
});
