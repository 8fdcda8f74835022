/**
 * Demo estate CLI.
 *   estate [generate] --customers N [--seed S] [--epoch ISO] [--scenario file|default|none] --out DIR [--jsonl]
 *   estate serve [--customers N] [--seed S] [--scenario ...] [--data DIR [--fresh]] [--port-base P]
 *                [--continuous] [--webhook URL --webhook-secret S] [--systems crm,erp,wms,support]
 *                [--slack [--slack-interactivity URL --slack-signing-secret S]]
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveScenario, startEstate, SYSTEM_NAMES, type EstateManifest, type SystemName } from '../estate/estate';
import { exportEstate } from './estate-export';

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

function parse() {
  const argv = process.argv.slice(2);
  const command = argv[0] === 'serve' || argv[0] === 'generate' ? argv.shift()! : 'generate';
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string' },
      seed: { type: 'string' },
      epoch: { type: 'string' },
      scenario: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      jsonl: { type: 'boolean', default: false },
      'port-base': { type: 'string' },
      host: { type: 'string' },
      continuous: { type: 'boolean', default: false },
      systems: { type: 'string' },
      webhook: { type: 'string' },
      'webhook-secret': { type: 'string' },
      slack: { type: 'boolean', default: false },
      'slack-interactivity': { type: 'string' },
      'slack-signing-secret': { type: 'string' },
    },
    strict: true,
  });
  const int = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${text}'`);
    return n;
  };
  const epoch = values.epoch === undefined ? undefined : Date.parse(values.epoch);
  if (epoch !== undefined && Number.isNaN(epoch))
    throw new Error(`--epoch must be an ISO-8601 date, got '${values.epoch}'`);
  return { command, values, int, epoch };
}

async function main(): Promise<void> {
  const { command, values, int, epoch } = parse();
  const started = Date.now();
  if (command === 'generate') {
    if (!values.out) throw new Error('generate needs --out DIR');
    const manifest: EstateManifest = {
      customers: int('customers', values.customers, 1000),
      seed: int('seed', values.seed, 42),
      epoch: epoch ?? Math.floor(Date.now() / 3_600_000) * 3_600_000,
      scenario: resolveScenario(values.scenario ?? 'default'),
    };
    const result = exportEstate(manifest, values.out, { jsonl: values.jsonl }, (done) => {
      process.stderr.write(
        `[estate] ${done.toLocaleString('en')} customers, ${((Date.now() - started) / 1000).toFixed(1)} s, RSS ${mb(process.memoryUsage().rss)}\n`,
      );
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `${JSON.stringify({ out: values.out, customers: manifest.customers, seconds, peakRss: mb(process.resourceUsage().maxRSS * 1024), ...result }, null, 2)}\n`,
    );
    return;
  }

  if (values.data && values.fresh && existsSync(values.data)) rmSync(values.data, { recursive: true, force: true });
  const portBase = values['port-base'] === undefined ? null : int('port-base', values['port-base'], 0);
  if ((values['slack-interactivity'] || values['slack-signing-secret']) && !values.slack)
    throw new Error('--slack-interactivity and --slack-signing-secret are options of --slack (the Slack workspace)');
  if (values['slack-interactivity'] && !values['slack-signing-secret'])
    throw new Error('--slack-interactivity needs --slack-signing-secret (the app verifies every click with it)');
  const estate = await startEstate({
    customers: int('customers', values.customers, 20_000),
    seed: int('seed', values.seed, 42),
    epoch,
    scenario: values.scenario ?? 'default',
    dataDir: values.data,
    host: values.host,
    ports: portBase === null ? undefined : Object.fromEntries(SYSTEM_NAMES.map((s, i) => [s, portBase + i + 1])),
    continuous: values.continuous,
    systems: values.systems ? (values.systems.split(',').map((x) => x.trim()) as SystemName[]) : undefined,
    wmsWebhooks: values.webhook
      ? [{ url: values.webhook, secret: values['webhook-secret'] ?? 'wms-demo-webhook-secret' }]
      : undefined,
    slack: values.slack
      ? {
          // After the four systems' ports (port base + 1..4).
          port: portBase === null ? undefined : portBase + SYSTEM_NAMES.length + 1,
          interactivity: values['slack-interactivity']
            ? { url: values['slack-interactivity'], signingSecret: values['slack-signing-secret'] ?? '' }
            : undefined,
        }
      : undefined,
  });
  const endpoints = {
    crm: estate.crm,
    erp: estate.erp,
    wms: estate.wms,
    support: estate.support,
    ...(estate.slack
      ? { slack: { baseUrl: estate.slack.baseUrl, apiUrl: estate.slack.apiUrl, botToken: estate.slack.botToken } }
      : {}),
    groundTruthPath: estate.groundTruthPath,
    customers: estate.manifest.customers,
    startupSeconds: (Date.now() - started) / 1000,
    rss: mb(process.memoryUsage().rss),
  };
  if (values.data) writeFileSync(join(values.data, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(endpoints, null, 2)}\n`);
  process.stderr.write(
    `[estate] serving ${estate.manifest.customers.toLocaleString('en')} customers${values.continuous ? ' with continuous change' : ''}; Ctrl-C to stop\n`,
  );
  const stop = () => {
    // A process holding a million customers can take long to wind down; never outlive Ctrl-C by much.
    setTimeout(() => process.exit(0), 5000).unref();
    void estate.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`[estate] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
