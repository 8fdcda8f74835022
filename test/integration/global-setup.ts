import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_DATABASES_DIR_VARIABLE } from './support/test-services';

const ROOT = join(__dirname, '..', '..');

/**
 * Starts (idempotently) the real ClickHouse, Postgres and Redis and exports their URLs to the tests,
 * with the folder where the tests note the databases they create (see global-teardown.ts).
 */
export default function globalSetup(): void {
  execFileSync('bash', [join(ROOT, 'infra/local/services.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const envFile = readFileSync(join(ROOT, '.local/services.env'), 'utf8');
  for (const line of envFile.split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    if (match) process.env[match[1]] = match[2];
  }
  // Projects sharing this setup in one run share the folder too.
  process.env[TEST_DATABASES_DIR_VARIABLE] ??= mkdtempSync(join(tmpdir(), 'dw-test-databases-'));
}
