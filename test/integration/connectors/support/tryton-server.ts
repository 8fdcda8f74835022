import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');

export interface TrytonServer {
  url: string;
  database: string;
  username: string;
  password: string;
}

let started: TrytonServer | undefined;

/**
 * Starts (idempotently) the real trytond of `infra/local/tryton.sh`: Debian packages, a SQLite
 * database initialised once under .local/tryton and reused across runs. It stays up for later runs.
 */
export function ensureTryton(): TrytonServer {
  if (started) return started;
  const script = join(ROOT, 'infra/local/tryton.sh');
  // First use installs the Debian packages and initialises the database: minutes on a busy machine.
  execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  const env = Object.fromEntries(
    execFileSync('bash', [script, 'env'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  started = { url: env.TRYTON_URL, database: env.TRYTON_DB, username: env.TRYTON_USER, password: env.TRYTON_PASSWORD };
  return started;
}

/** A bare JSON-RPC call as a Tryton user would make it (test setup, edits behind the connector's back). */
export async function trytonCall(server: TrytonServer, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(`${server.url}/${server.database}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.username}:${server.password}`).toString('base64')}`,
    },
    body: JSON.stringify({ id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: unknown };
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

export async function ensureCountry(server: TrytonServer, code: string, name: string): Promise<number> {
  const found = (await trytonCall(server, 'model.country.country.search', [
    [['code', '=', code]],
    0,
    1,
    null,
    {},
  ])) as number[];
  if (found.length) return found[0];
  const [id] = (await trytonCall(server, 'model.country.country.create', [[{ code, name }], {}])) as number[];
  return id;
}

/**
 * What sales need in a fresh Tryton database (see TRYTON.md): a currency, a company, and the admin
 * user working in that company. Idempotent: the database is reused across runs.
 */
export async function ensureCompany(server: TrytonServer): Promise<{ company: number; currency: number }> {
  const search = async (model: string, domain: unknown[]) =>
    (await trytonCall(server, `model.${model}.search`, [domain, 0, 1, null, {}])) as number[];
  let [currency] = await search('currency.currency', [['code', '=', 'EUR']]);
  currency ??= (
    (await trytonCall(server, 'model.currency.currency.create', [
      [{ name: 'Euro', code: 'EUR', symbol: '€' }],
      {},
    ])) as number[]
  )[0];
  let [company] = await search('company.company', []);
  if (company === undefined) {
    const [party] = (await trytonCall(server, 'model.party.party.create', [
      [{ name: 'Driftwatch Distribution GmbH' }],
      {},
    ])) as number[];
    [company] = (await trytonCall(server, 'model.company.company.create', [[{ party, currency }], {}])) as number[];
  }
  const [admin] = await search('res.user', [['login', '=', server.username]]);
  await trytonCall(server, 'model.res.user.write', [[admin], { companies: [['add', [company]]], company }, {}]);
  return { company, currency };
}
