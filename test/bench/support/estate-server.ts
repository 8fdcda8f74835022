/**
 * Runs the demo estate in a process of its own (so the simulator's memory and CPU are not counted
 * as the worker's) and prints its endpoints as one JSON line on stdout. Stops on SIGTERM/SIGINT.
 *   tsx test/bench/support/estate-server.ts <customers> [seed] [systems, comma-separated; default crm]
 */
import { startEstate, SYSTEM_NAMES, type SystemName } from '../../../infra/demo-estate/src';

async function main(): Promise<void> {
  const customers = Number(process.argv[2] ?? '1000');
  const seed = Number(process.argv[3] ?? '42');
  const systems = (process.argv[4] ?? 'crm').split(',') as SystemName[];
  const unknown = systems.filter((s) => !SYSTEM_NAMES.includes(s));
  if (unknown.length > 0) throw new Error(`unknown estate systems: ${unknown.join(', ')}`);
  const started = Date.now();
  // A fixed epoch makes the estate byte-identical between runs.
  const estate = await startEstate({ customers, seed, epoch: Date.UTC(2026, 0, 1), systems });
  const endpoints = { crm: estate.crm, erp: estate.erp, wms: estate.wms, support: estate.support };
  process.stdout.write(`${JSON.stringify({ ...endpoints, startMs: Date.now() - started })}\n`);
  const stop = () => {
    estate.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
