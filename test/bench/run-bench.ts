/**
 * Benchmark harness: `npm run bench -- <scenario> [options]`. Prints a table of figures and writes
 * `.local/bench/<scenario>.json` as `{ "scenario": "...", "figures": { ... } }` so runs can be compared.
 * Add a scenario by adding it to SCENARIOS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult, BenchScenario } from './bench-scenario';
import { snapshotScenario } from './scenarios/snapshot.scenario';
import { reconcile1mScenario, reconcile5mScenario } from './scenarios/reconcile.scenario';
import { reconcileOrdersScenario } from './scenarios/reconcile-orders.scenario';
import { connectorsScenario } from './scenarios/connectors.scenario';
import { apiScenario } from './scenarios/api.scenario';
import { fixupsScenario } from './scenarios/fixups.scenario';
import { estateScenario } from './scenarios/estate.scenario';
import { latencyScenario } from './scenarios/latency.scenario';

const SCENARIOS: BenchScenario[] = [
  snapshotScenario,
  reconcile1mScenario,
  reconcile5mScenario,
  reconcileOrdersScenario,
  connectorsScenario,
  fixupsScenario,
  apiScenario,
  estateScenario,
  latencyScenario,
];

const ROOT = join(__dirname, '..', '..');

function usage(): string {
  return [
    'Usage: npm run bench -- <scenario> [options]',
    'Scenarios:',
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(14)} ${s.description}`),
  ].join('\n');
}

export function formatTable(result: BenchResult): string {
  const rows = Object.entries(result.figures).map(([name, value]) => [
    name,
    Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(3),
  ]);
  const width = Math.max(6, ...rows.map(([name]) => name.length));
  const valueWidth = Math.max(5, ...rows.map(([, value]) => value.length));
  const line = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  return [
    `scenario: ${result.scenario}`,
    line,
    `| ${'figure'.padEnd(width)} | ${'value'.padStart(valueWidth)} |`,
    line,
    ...rows.map(([name, value]) => `| ${name.padEnd(width)} | ${value.padStart(valueWidth)} |`),
    line,
  ].join('\n');
}

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) {
    process.stderr.write(`${name ? `unknown scenario ${name}\n` : ''}${usage()}\n`);
    return 2;
  }
  const figures = await scenario.run(args);
  const result: BenchResult = { scenario: scenario.name, figures };
  const dir = join(ROOT, '.local', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${scenario.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${formatTable(result)}\nwritten ${file}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
