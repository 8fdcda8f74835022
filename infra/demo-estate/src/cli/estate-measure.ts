/**
 * Measures where an estate's start goes, in a process of its own (so memory figures are this
 * estate's only): generating the customers and their drift alone, building every system's store
 * (`startEstate`), with wall and CPU time (on a shared machine CPU time is the steadier figure) and
 * peak RSS, and reopening the data dir (rebuild + journal replay of `--writes` journaled
 * writes). Prints one JSON line. Used by `npm run bench -- estate`.
 *   node --expose-gc --import tsx src/cli/estate-measure.ts --customers 100000 [--writes 50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DriftInjector } from '../drift/drift-injector';
import { DEFAULT_SCENARIO } from '../drift/drift-scenario';
import { GroundTruthLog } from '../drift/ground-truth-log';
import { copiesOf } from '../estate/estate-builder';
import { startEstate } from '../estate/estate';

const { values } = parseArgs({
  options: { customers: { type: 'string', default: '100000' }, writes: { type: 'string', default: '50000' } },
});
const customers = Number(values.customers);
const writes = Number(values.writes);
const epoch = Date.UTC(2026, 10, 1);

function memory(): { heapMb: number; rssMb: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapMb: Math.round(m.heapUsed / 1e6), rssMb: Math.round(m.rss / 1e6) };
}

async function main(): Promise<void> {
  const cpuSeconds = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let started = performance.now();
  let cpu = cpuSeconds();
  const injector = new DriftInjector(DEFAULT_SCENARIO, epoch, new GroundTruthLog(null));
  for (let i = 0; i < customers; i++) injector.apply(copiesOf({ seed: 42, epoch }, i));
  const generateMs = performance.now() - started;
  const generateCpuMs = (cpuSeconds() - cpu) * 1000;

  const dataDir = mkdtempSync(join(tmpdir(), 'estate-measure-'));
  try {
    started = performance.now();
    cpu = cpuSeconds();
    let estate: Awaited<ReturnType<typeof startEstate>> | null = await startEstate({
      customers,
      seed: 42,
      epoch,
      scenario: 'default',
      dataDir,
    });
    const startMs = performance.now() - started;
    const startCpuMs = (cpuSeconds() - cpu) * 1000;
    const startPeakRssMb = Math.round((process.resourceUsage().maxRSS * 1024) / 1e6);
    const { heapMb, rssMb } = memory();
    // Journaled writes, as continuous mode and corrective writes make them (ids first: a write moves
    // its row to the end of the table, so writing while iterating would visit rows again).
    const ids: string[] = [];
    for (const row of estate.stores.crm.accounts.rowsInOrder()) {
      if (ids.length >= writes) break;
      ids.push(row.record.Id as string);
    }
    for (const id of ids) {
      const row = estate.stores.crm.accounts.get(id)!;
      estate.stores.crm.put('Account', { ...row.record, Name: `${String(row.record.Name)} (edited)` }, Date.now());
    }
    const n = ids.length;
    await estate.stop();
    // The first estate must be gone before the second is built, or both compete for the heap.
    estate = null;
    memory();
    started = performance.now();
    const reopened = await startEstate({ dataDir });
    const reopenMs = performance.now() - started;
    await reopened.stop();
    process.stdout.write(
      `${JSON.stringify({
        customers,
        generateMs: Math.round(generateMs),
        generateCpuMs: Math.round(generateCpuMs),
        startMs: Math.round(startMs),
        startCpuMs: Math.round(startCpuMs),
        startPeakRssMb,
        reopenMs: Math.round(reopenMs),
        replayMs: Math.round(Math.max(0, reopenMs - startMs)),
        journaledWrites: n,
        heapMb,
        rssMb,
      })}\n`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
