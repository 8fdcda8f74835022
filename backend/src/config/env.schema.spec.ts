import { InvalidConfigError, parseEnv } from './env.schema';

describe('parseEnv', () => {
  it('applies defaults for a bare environment', () => {
    const env = parseEnv({});
    expect(env.DRIFTWATCH_ROLE).toBe('all');
    expect(env.CLICKHOUSE_URL).toBe('http://127.0.0.1:18123');
    expect(env.RUN_MIGRATIONS).toBe(true);
  });

  it('names every bad variable in one error', () => {
    expect.assertions(3);
    try {
      parseEnv({ DRIFTWATCH_ROLE: 'boss', CLICKHOUSE_URL: 'not a url', PORT: '99999' });
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/DRIFTWATCH_ROLE/);
      expect(message).toMatch(/CLICKHOUSE_URL[\s\S]*PORT|PORT[\s\S]*CLICKHOUSE_URL/);
    }
  });

  it('checks cron schedules at boot (empty disables them)', () => {
    expect(parseEnv({ ALERTS_STATUS_SCHEDULE: ' */2 * * * * * ' }).ALERTS_STATUS_SCHEDULE).toBe('*/2 * * * * *');
    expect(parseEnv({ RECONCILIATION_SCHEDULE: '' }).RECONCILIATION_SCHEDULE).toBe('');
    expect(() => parseEnv({ RECONCILIATION_SCHEDULE: 'every hour' })).toThrow(/RECONCILIATION_SCHEDULE.*cron/);
    expect(() => parseEnv({ ALERTS_STATUS_SCHEDULE: '61 * * * *' })).toThrow(/ALERTS_STATUS_SCHEDULE/);
  });

  it('reads Slack incoming webhooks per channel and never echoes a bad one', () => {
    const hook = 'https://hooks.slack.com/services/T0/B0/secretpart';
    expect(parseEnv({ SLACK_WEBHOOK_URLS: ` #ops=${hook} , *=${hook}2` }).SLACK_WEBHOOK_URLS).toEqual({
      '#ops': hook,
      '*': `${hook}2`,
    });
    expect(parseEnv({}).SLACK_WEBHOOK_URLS).toEqual({});
    expect(() => parseEnv({ SLACK_WEBHOOK_URLS: `#ops=${hook},#x=notaurl-secretpart` })).toThrow(
      /SLACK_WEBHOOK_URLS.*entry 2 is not/,
    );
    expect(() => parseEnv({ SLACK_WEBHOOK_URLS: `#x=notaurl-secretpart` })).not.toThrow(/secretpart/);
  });

  it('refuses a database name that is not an identifier', () => {
    expect(() => parseEnv({ CLICKHOUSE_DATABASE: 'x; DROP TABLE y' })).toThrow(/CLICKHOUSE_DATABASE/);
  });

  it('reads ClickHouse cluster settings and refuses inconsistent ones', () => {
    const env = parseEnv({
      CLICKHOUSE_CLUSTER: 'driftwatch',
      CLICKHOUSE_SHARD_URLS: 'http://127.0.0.1:18123, http://127.0.0.1:18124',
    });
    expect(env.CLICKHOUSE_SHARD_URLS).toEqual(['http://127.0.0.1:18123', 'http://127.0.0.1:18124']);
    expect(env.CLICKHOUSE_CLUSTER_DDL).toBe('per_shard');
    expect(env.CLICKHOUSE_REPLICATED).toBe(false);
    expect(parseEnv({}).CLICKHOUSE_CLUSTER).toBe('');
    expect(() => parseEnv({ CLICKHOUSE_CLUSTER: 'driftwatch' })).toThrow(/CLICKHOUSE_SHARD_URLS/);
    expect(() => parseEnv({ CLICKHOUSE_REPLICATED: 'true' })).toThrow(
      /CLICKHOUSE_REPLICATED: needs CLICKHOUSE_CLUSTER/,
    );
    expect(() =>
      parseEnv({ CLICKHOUSE_CLUSTER: 'c', CLICKHOUSE_SHARD_URLS: 'http://a:8123', CLICKHOUSE_REPLICATED: 'true' }),
    ).toThrow(/CLICKHOUSE_CLUSTER_DDL/);
    expect(() => parseEnv({ CLICKHOUSE_CLUSTER: 'c', CLICKHOUSE_SHARD_URLS: 'ftp://a' })).toThrow(
      /CLICKHOUSE_SHARD_URLS/,
    );
    expect(() => parseEnv({ CLICKHOUSE_CLUSTER: "c'; DROP" })).toThrow(/CLICKHOUSE_CLUSTER/);
  });
});
