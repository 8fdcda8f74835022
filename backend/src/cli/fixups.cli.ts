import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { ConfigModule } from '../config/config.module';
import { InvalidConfigError } from '../config/env.schema';
import { DatabaseModule } from '../database/database.module';
import { HttpModule } from '../http/http.module';
import { AuditModule } from '../modules/audit/audit.module';
import { FIXUP_STATES, OPEN_FILTER } from '../modules/fixups/fixup-task';
import { FIXUPS_LIST_QUERY } from '../modules/fixups/fixups-query';
import { FixupsModule } from '../modules/fixups/fixups.module';
import type { BulkOutcomeView } from '../modules/fixups/fixups.dto';
import { FixupsService, type Selection } from '../modules/fixups/fixups.service';
import { QueuesModule } from '../queues/queues.module';

const USAGE = `Usage: node backend/dist/cli/fixups.cli.js <command> [options]
  list     [--state S] [--rule R] [--system SYS] [--limit N]     fix-up tasks as JSON lines (S: a state, or open)
  approve  (--id ID ... | --rule R | --system SYS) [--reason T]  proposed/needs_review → queued
           (a task with no field changes is refused: listed under "refused"; dismiss it instead)
  retry    (--id ID ... | --rule R | --system SYS) [--reason T]  failed/conflict → queued
  replay   (--id ID ... | --rule R | --system SYS) [--reason T]  dead_lettered → queued
  dismiss  (--id ID ... | --rule R | --system SYS) --reason T
Mutations are recorded in the task trail and the audit log as cli:fixups(<user>).
Exit status: 0 done, 2 bad usage or configuration.`;

class UsageError extends Error {}

@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    QueuesModule,
    HttpModule,
    AuditModule.forRole('scheduler'),
    FixupsModule.forRole('scheduler'),
  ],
})
class FixupsCliModule {}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string', multiple: true },
      rule: { type: 'string' },
      system: { type: 'string' },
      state: { type: 'string' },
      reason: { type: 'string' },
      limit: { type: 'string', default: '50' },
      help: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    if (!command && !values.help) throw new UsageError('a command is required');
    return;
  }
  const states: readonly string[] = [...FIXUP_STATES, OPEN_FILTER];
  if (values.state && !states.includes(values.state)) {
    throw new UsageError(`--state must be one of ${states.join(', ')}`);
  }
  const app = await NestFactory.createApplicationContext(FixupsCliModule, { logger: ['error'] });
  try {
    const fixups = app.get(FixupsService);
    const actor = `cli:fixups(${process.env.USER ?? 'unknown'})`;
    const selection: Selection = { ids: values.id, ruleId: values.rule, system: values.system };
    switch (command) {
      case 'list': {
        const query = FIXUPS_LIST_QUERY.parse({
          ...(values.state ? { state: values.state } : {}),
          ...(values.rule ? { ruleId: values.rule } : {}),
          ...(values.system ? { system: values.system } : {}),
          limit: values.limit,
        });
        for (const task of (await fixups.list(query)).items) process.stdout.write(`${JSON.stringify(task)}\n`);
        return;
      }
      case 'approve':
        return print(await fixups.approve(selection, actor, values.reason));
      case 'retry':
        return print(await fixups.retry(selection, actor, values.reason));
      case 'replay':
        return print(await fixups.replay(selection, actor, values.reason));
      case 'dismiss':
        if (!values.reason) throw new UsageError('dismiss needs --reason');
        return print(await fixups.dismiss(selection, actor, values.reason));
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await app.close();
  }
}

function print(outcome: BulkOutcomeView): void {
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}

main().catch((error: unknown) => {
  const usage = error instanceof UsageError;
  const known = usage || error instanceof InvalidConfigError || (error as { status?: number }).status === 400;
  const message = error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error);
  process.stderr.write(`${message}${usage ? `\n${USAGE}` : ''}\n`);
  process.exit(usage || known ? 2 : 1);
});
