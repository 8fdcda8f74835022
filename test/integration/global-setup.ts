import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Starts (idempotently) the real ClickHouse, Postgres and Redis and exports their URLs to the tests. */
export default function globalSetup(): void {
  execFileSync('bash', [join(ROOT, 'infra/local/services.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const envFile = readFileSync(join(ROOT, '.local/services.env'), 'utf8');
  for (const line of envFile.split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    if (match) process.env[match[1]] = match[2];
  }
}
