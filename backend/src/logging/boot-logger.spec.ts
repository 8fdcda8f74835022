import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { bootLogger } from './boot-logger';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('bootLogger', () => {
  afterEach(() => {
    Logger.overrideLogger(false);
  });

  it("writes Nest's static logger calls as pino JSON lines with their context", async () => {
    const { lines, stream } = capture();
    Logger.overrideLogger(bootLogger('info', stream));
    new Logger('SchemaMigrations').log('applied 28 Postgres migration(s)');
    new Logger('ClickHouseMigrator').warn('slow merge');
    new Logger('Boot').error('it broke', 'Error: it broke\n    at x');
    new Logger('Boot').debug('below the level');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'SchemaMigrations', msg: 'applied 28 Postgres migration(s)' }),
      expect.objectContaining({ level: 40, context: 'ClickHouseMigrator', msg: 'slow merge' }),
      expect.objectContaining({ level: 50, context: 'Boot', msg: 'it broke', stack: 'Error: it broke\n    at x' }),
    ]);
  });

  it('writes nothing when silent', async () => {
    const { lines, stream } = capture();
    Logger.overrideLogger(bootLogger('silent', stream));
    new Logger('SchemaMigrations').log('applied');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([]);
  });
});
