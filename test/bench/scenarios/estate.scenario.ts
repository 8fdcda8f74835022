import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { BenchScenario } from '../bench-scenario';

const ROOT = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

/** Node flags of the estate CLI (infra/demo-estate/package.json `estate`). */
const CLI_FLAGS = ['--max-old-space-size=16384'];

interface Measured {
  customers: number;
  generateMs: number;
  generateCpuMs: number;
  startMs: number;
  startCpuMs: number;
  startPeakRssMb: number;
  reopenMs: number;
  replayMs: number;
  journaledWrites: number;
  heapMb: number;
  rssMb: number;
}

async function measure(customers: number, writes: number, flags: string[]): Promise<Measured> {
  const { stdout } = await run(
    process.execPath,
    [
      '--expose-gc',
      ...flags,
      join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      join(ROOT, 'infra/demo-estate/src/cli/estate-measure.ts'),
      '--customers',
      String(customers),
      '--writes',
      String(writes),
    ],
    {
      cwd: ROOT,
      maxBuffer: 1 << 20,
      timeout: 3_600_000,
      // tsx runs the script in a child node: heap flags reach it only through NODE_OPTIONS.
      env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', ...flags].join(' ').trim() },
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured;
}

/**
 * Where an estate's start goes, each size in a process of its own: generation + drift alone, the
 * whole start (generation + every system's store), reopening a data dir with journaled writes
 * (rebuild + replay), and heap/RSS after the start. Baseline: 100k customers; ratios of the other
 * sizes are against it, measured in the same run.
 * Wall and CPU time both: on a shared machine the CPU ratio is the steadier one.
 *   npm run bench -- estate [--customers 100000,300000,1000000] [--writes 50000]
 */
export const estateScenario: BenchScenario = {
  name: 'estate',
  description: 'demo estate start: generation vs stores vs journal replay, time and memory (baseline 100k customers)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        customers: { type: 'string', default: '100000,300000' },
        writes: { type: 'string', default: '50000' },
      },
    });
    const writes = Number(values.writes);
    const sizes = values.customers.split(',').map(Number);
    const figures: Record<string, number> = {};
    const baseline = await measure(100_000, writes, CLI_FLAGS);
    const put = (prefix: string, m: Measured) => {
      figures[`${prefix}_generate_s`] = m.generateMs / 1000;
      figures[`${prefix}_start_s`] = m.startMs / 1000;
      figures[`${prefix}_stores_s`] = (m.startMs - m.generateMs) / 1000;
      figures[`${prefix}_generate_cpu_s`] = m.generateCpuMs / 1000;
      figures[`${prefix}_start_cpu_s`] = m.startCpuMs / 1000;
      figures[`${prefix}_start_peak_rss_mb`] = m.startPeakRssMb;
      figures[`${prefix}_replay_${m.journaledWrites}_writes_s`] = m.replayMs / 1000;
      figures[`${prefix}_heap_mb`] = m.heapMb;
      figures[`${prefix}_rss_mb`] = m.rssMb;
    };
    put('baseline_100k', baseline);
    for (const customers of sizes) {
      const m = await measure(customers, writes, CLI_FLAGS);
      const prefix = `${customers / 1000}k`;
      put(prefix, m);
      figures[`${prefix}_start_ratio`] = m.startMs / baseline.startMs;
      figures[`${prefix}_start_cpu_ratio`] = m.startCpuMs / baseline.startCpuMs;
      figures[`${prefix}_heap_ratio`] = m.heapMb / baseline.heapMb;
    }
    return figures;
  },
};
