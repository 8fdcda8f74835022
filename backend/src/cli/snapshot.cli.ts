import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingleBar, Presets } from 'cli-progress';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ClickHouseModule } from '../clickhouse/clickhouse.module';
import { ConfigModule } from '../config/config.module';
import { ConfigService } from '../config/config.service';
import { InvalidConfigError } from '../config/env.schema';
import { ENTITY_KINDS, type EntityKind } from '../connectors/canonical-model';
import { DatabaseModule } from '../database/database.module';
import { runSchemaMigrations } from '../database/schema-migrations';
import { progressOf } from '../modules/snapshots/snapshot-progress';
import type { SnapshotProgress } from '../modules/snapshots/snapshot.dto';
import { SnapshotRunnerService } from '../modules/snapshots/snapshot-runner.service';
import { SnapshotsModule } from '../modules/snapshots/snapshots.module';
import { SnapshotsService, type SnapshotRequest } from '../modules/snapshots/snapshots.service';
import { TERMINAL_STATUSES } from '../modules/snapshots/snapshot-run.entity';
import { QueuesModule } from '../queues/queues.module';

const USAGE = `Usage: node backend/dist/cli/snapshot.cli.js --connector ID --entity ENTITY [--mode full|incremental]
       [--keys K1,K2,...] [--enqueue] [--json] [--no-progress]
Runs a snapshot in this process (default) or enqueues it for the workers (--enqueue) and follows it.
The mode is full unless given; --keys snapshots only those records, always incrementally.
A progress bar goes to stderr; --json prints the finished run as one JSON line on stdout.
Exit status: 0 complete, 1 failed or partial, 2 bad usage or configuration.`;

class UsageError extends Error {}

@Module({
  imports: [ConfigModule, ClickHouseModule, DatabaseModule, QueuesModule, SnapshotsModule.forRole('api')],
})
class SnapshotCliModule {}

function progressBar(enabled: boolean) {
  if (!enabled) return { update: (_: SnapshotProgress) => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: '{connector}/{entity} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(p: SnapshotProgress) {
      // Without a known total the bar grows with the rows read.
      const total = p.total ?? Math.max(p.rowsRead, 1);
      const payload = { connector: p.connectorId, entity: p.entity, rate: p.rowsPerS };
      if (!started) {
        bar.start(total, p.rowsRead, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(p.rowsRead, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      connector: { type: 'string' },
      entity: { type: 'string' },
      mode: { type: 'string' },
      keys: { type: 'string' },
      enqueue: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'no-progress': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.connector) throw new UsageError('--connector is required');
  if (!values.entity || !(ENTITY_KINDS as readonly string[]).includes(values.entity)) {
    throw new UsageError(`--entity must be one of ${ENTITY_KINDS.join(', ')}`);
  }
  const keys = values.keys
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const given = values.mode ?? (keys?.length ? 'incremental' : 'full');
  const mode = given === 'full' ? 'full' : given === 'incremental' ? 'incremental' : undefined;
  if (!mode) throw new UsageError('--mode must be full or incremental');
  // A full snapshot is the system's whole state: one of a few keys would be taken for all of it.
  if (mode === 'full' && keys?.length) throw new UsageError('--keys snapshots incrementally; drop --mode full');
  const request: SnapshotRequest = {
    connectorId: values.connector,
    entity: values.entity as EntityKind,
    mode,
    keys: keys?.length ? keys : undefined,
    trigger: 'cli',
  };

  const config = new ConfigService();
  if (config.get('RUN_MIGRATIONS')) await runSchemaMigrations(config);
  const app: INestApplicationContext = await NestFactory.createApplicationContext(SnapshotCliModule, {
    logger: ['error'],
  });
  const bar = progressBar(!values['no-progress']);
  let final: SnapshotProgress;
  try {
    if (values.enqueue) {
      const service = app.get(SnapshotsService);
      const { runId } = await service.request(request);
      process.stderr.write(`enqueued run ${runId}\n`);
      for (;;) {
        final = progressOf(await service.get(runId));
        bar.update(final);
        if (TERMINAL_STATUSES.includes(final.status)) break;
        await sleep(500);
      }
    } else {
      const runner = app.get(SnapshotRunnerService);
      try {
        const run = await runner.execute(request, { onProgress: (p) => bar.update(p) });
        final = progressOf(run);
      } catch (error) {
        bar.stop();
        process.stderr.write(`snapshot failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
    }
  } finally {
    bar.stop();
    await app.close();
  }
  if (values.json) {
    const maxRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
    process.stdout.write(`${JSON.stringify({ ...final, maxRssMb })}\n`);
  } else {
    process.stderr.write(
      `${final.connectorId}/${final.entity} ${final.mode}: ${final.status}, ${final.rowsWritten} rows, ` +
        `${final.rejects} rejects, ${final.rowsPerS} rows/s${final.error ? `, ${final.error}` : ''}\n`,
    );
  }
  return final.status === 'complete' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof UsageError || error instanceof InvalidConfigError;
    process.stderr.write(
      `${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(known ? 2 : 1);
  },
);
