import { validateCronExpression } from 'cron';
import { z } from 'zod';

export const PROCESS_ROLES = ['api', 'worker', 'scheduler', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL with protocol ${protocols.join(' or ')}` },
  );

/** A cron expression (5 fields, or 6 with seconds), checked at boot rather than when the scheduler starts. */
const cron = (options: { allowEmpty: boolean }) =>
  z
    .string()
    .transform((value) => value.trim())
    .superRefine((value, ctx) => {
      if (value === '' && options.allowEmpty) return;
      const check = validateCronExpression(value);
      if (!check.valid)
        ctx.addIssue({ code: 'custom', message: `not a cron expression: ${String(check.error?.message)}` });
    });

/** Every variable the process reads. Defaults match `infra/local/services.sh`. */
/** Days to keep: 0 (forever) or at least `min`, so a typo cannot drop what running work still reads. */
const retentionDays = (min: number) =>
  z.coerce
    .number()
    .int()
    .refine((days) => days === 0 || days >= min, { message: `must be 0 (keep forever) or at least ${min} days` });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DRIFTWATCH_ROLE: z.enum(PROCESS_ROLES).default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CLICKHOUSE_URL: url(['http:', 'https:']).default('http://127.0.0.1:18123'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  /** max_bytes_before_external_group_by of every query (half the server's default 10 GB limit); 0: never spill. */
  CLICKHOUSE_EXTERNAL_GROUP_BY_BYTES: z.coerce.number().int().min(0).default(5_000_000_000),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier')
    .default('driftwatch'),
  // ClickHouse cluster mode (docs/clickhouse-cluster.md). Empty CLICKHOUSE_CLUSTER: one server.
  /** Cluster name from the servers' remote_servers; the schema becomes Distributed over `<table>_local`. */
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^([A-Za-z_][A-Za-z0-9_]*)?$/, 'must be a plain identifier (the remote_servers cluster name)')
    .default(''),
  /** One HTTP URL per shard, in the cluster's shard order: per-shard DDL and shard-local reconciliation. */
  CLICKHOUSE_SHARD_URLS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(url(['http:', 'https:']))),
  /** `per_shard`: the runner sends DDL to every shard URL (no keeper needed); `on_cluster`: ON CLUSTER (needs a keeper). */
  CLICKHOUSE_CLUSTER_DDL: z.enum(['per_shard', 'on_cluster']).default('per_shard'),
  /** Replicated* engines with {shard}/{replica} macros; needs a keeper and CLICKHOUSE_CLUSTER_DDL=on_cluster. */
  CLICKHOUSE_REPLICATED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Keeper path of each replicated table; {database} and {table} are filled in by Driftwatch. */
  CLICKHOUSE_REPLICATION_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9_{}/.-]*$/, 'must be an absolute keeper path of letters, digits, _ . - / and {macros}')
    .default('/clickhouse/tables/{shard}/{database}/{table}'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:15432/driftwatch'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:16379'),
  /** Key prefix of every Bull queue: installations (or test apps) sharing one Redis keep their jobs apart. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . -')
    .default('driftwatch'),
  DASHBOARD_DIR: z.string().optional(),
  /** YAML file listing connector instances; secrets in it are `${env:NAME}` references. */
  DRIFTWATCH_CONNECTORS_FILE: z.string().optional(),
  RUN_MIGRATIONS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // Access control and HTTP hardening (modules/auth, http/).
  OIDC_JWKS_URL: url(['http:', 'https:']).optional(),
  OIDC_ISSUER: z.string().optional(),
  OIDC_AUDIENCE: z.string().optional(),
  OIDC_ROLES_CLAIM: z.string().default('roles'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  HTTP_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/, 'must be a size such as 512kb or 1mb')
    .default('1mb'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Prefix of the rate-limit counters in Redis (shared by every API process using it). */
  RATE_LIMIT_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, : _ - (at most 64)')
    .default('driftwatch:rate-limit:'),
  METRICS_PUBLIC_ON_LOOPBACK: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // Snapshots (modules/snapshots). Schedules: `connector:entity:mode=cron` separated by `;`,
  // e.g. `crm:customer:full=0 2 * * *;crm:customer:incremental=*/5 * * * *`.
  SNAPSHOT_SCHEDULES: z.string().default(''),
  /** Per-connector limits of concurrent snapshot runs, e.g. `crm=1,erp=2`; others get the default. */
  SNAPSHOT_CONNECTOR_CONCURRENCY: z.string().default(''),
  SNAPSHOT_DEFAULT_CONNECTOR_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  SNAPSHOT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /** Rows per ClickHouse insert (each insert is one streamed request). */
  SNAPSHOT_INSERT_ROWS: z.coerce.number().int().min(1).default(100_000),
  /**
   * Inbound change events (webhooks) of one connector and entity within this many ms are coalesced into
   * one keyed snapshot; 0 = one snapshot per event.
   */
  SNAPSHOT_EVENT_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  /**
   * After a change event's keyed snapshot, read the same records (by match key or crosswalk link) from
   * the other systems holding them, so the targeted run compares current values on both sides rather
   * than the event's new value with another system's last snapshot.
   */
  SNAPSHOT_COMPANION_READS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * Connectors whose own change stream the scheduler subscribes to (Salesforce Change Data Capture),
   * comma-separated ids, e.g. `crm`: each change becomes a keyed snapshot, as a webhook's does.
   */
  SNAPSHOT_CHANGE_STREAMS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id.length > 0),
    )
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'connector ids separated by commas'))),
  /**
   * How long before a run's start its watermark may reach, at most: the next incremental extract
   * re-reads that window. A record changed while a long extract ran, behind the extract's paging, is
   * read again rather than skipped behind a later record's time; a source clock this far behind ours
   * is covered too. 0: resume from the newest record time seen.
   */
  SNAPSHOT_WATERMARK_LOOKBACK_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  /** Connectors status page: how long a connector's health() answer is reused before asking the source again. */
  CONNECTOR_HEALTH_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
  // Alerts (modules/alerts): Slack bot token for chat.postMessage/chat.update; the signing secret
  // verifies button clicks. Without a token, alerts are evaluated and recorded as failed deliveries.
  SLACK_BOT_TOKEN: z.string().default(''),
  SLACK_SIGNING_SECRET: z.string().default(''),
  /** Incoming webhooks, `#channel=https://hooks.slack.com/services/…` pairs separated by commas; used without a bot token. */
  SLACK_WEBHOOK_URLS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const hooks: Record<string, string> = {};
      for (const pair of value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const at = pair.indexOf('=');
        const channel = pair.slice(0, at).trim();
        const hook = pair.slice(at + 1).trim();
        let valid = at > 0 && channel.length > 0;
        try {
          valid &&= ['https:', 'http:'].includes(new URL(hook).protocol);
        } catch {
          valid = false;
        }
        // Never echo the pair: the URL is the secret.
        if (!valid)
          ctx.addIssue({
            code: 'custom',
            message: `entry ${Object.keys(hooks).length + 1} is not #channel=<webhook URL>`,
          });
        else hooks[channel] = hook;
      }
      return hooks;
    }),
  SLACK_API_URL: url(['http:', 'https:']).default('https://slack.com/api/'),
  SLACK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  ALERT_RULES_FILE: z.string().optional(),
  /** When SLA and connector alert rules are checked (UTC); empty: never (run-triggered rules still fire). */
  ALERTS_STATUS_SCHEDULE: cron({ allowEmpty: true }).default('*/5 * * * *'),
  // Reconciliation (modules/reconciliation). Rules and ownership default to the rules package's pack.
  RECONCILIATION_RULES_DIR: z.string().optional(),
  RECONCILIATION_OWNERSHIP_FILE: z.string().optional(),
  /** Cron (UTC) of the full scheduled run; empty disables the schedule. */
  RECONCILIATION_SCHEDULE: cron({ allowEmpty: true }).default('0 * * * *'),
  /** A full run waits this long after a complete snapshot so that a set finishing together runs once. */
  RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS: z.coerce.number().int().min(0).default(30_000),
  /** Flood guard: presence rules are held when a system's rows dropped by more than this fraction. */
  RECONCILIATION_MAX_ROW_DROP: z.coerce.number().min(0).max(1).default(0.2),
  // Fix-ups and corrective sync (modules/fixups). Policy overrides per rule/system: a YAML file
  // (see modules/fixups/fixup-policy.ts). Rate limits: writes per second per target, e.g. `crm=50,erp=20`.
  FIXUPS_POLICY_FILE: z.string().optional(),
  FIXUPS_MAX_AUTO_PER_RUN: z.coerce.number().int().min(0).default(1000),
  FIXUPS_MAX_AUTO_PER_SYSTEM_PER_HOUR: z.coerce.number().int().min(0).default(5000),
  FIXUPS_SPIKE_FACTOR: z.coerce.number().min(1).default(5),
  FIXUPS_SPIKE_MIN_FINDINGS: z.coerce.number().int().min(1).default(100),
  FIXUPS_SPIKE_HISTORY_RUNS: z.coerce.number().int().min(1).max(100).default(5),
  FIXUPS_RATE_LIMITS: z
    .string()
    .regex(/^([a-z0-9][a-z0-9_-]*=\d+)?(,[a-z0-9][a-z0-9_-]*=\d+)*$/, 'must look like crm=50,erp=20')
    .default(''),
  /** Writes per second for targets not in FIXUPS_RATE_LIMITS; 0 = no limit. */
  FIXUPS_DEFAULT_RATE_PER_S: z.coerce.number().int().min(0).default(0),
  FIXUPS_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  FIXUPS_BACKOFF_BASE_MS: z.coerce.number().int().min(0).default(2000),
  FIXUPS_BACKOFF_MAX_MS: z.coerce.number().int().min(0).default(300_000),
  /** How long a worker's claim on a task it is applying lasts; a dead worker's tasks are reclaimed after it. */
  FIXUPS_LEASE_MS: z.coerce.number().int().min(100).default(120_000),
  /** Bull lock of an active corrective-sync job; a job whose worker died is retried after it. */
  FIXUPS_LOCK_MS: z.coerce.number().int().min(100).default(30_000),
  FIXUPS_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(600),
  /** Jobs taken within this window go to the target as one batch (e.g. one Salesforce composite call). */
  FIXUPS_BATCH_WINDOW_MS: z.coerce.number().int().min(0).default(20),
  FIXUPS_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(200),
  /** How often a worker re-adds jobs for queued tasks that have none (lost enqueue, expired lease). */
  FIXUPS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  // Retention (modules/retention): whole months of ClickHouse history dropped once older than this.
  /** Cron (UTC) of the retention pass; empty disables it. */
  RETENTION_SCHEDULE: cron({ allowEmpty: true }).default('17 3 * * *'),
  /** Days of snapshots (and their rejected records) kept for backtests and record history; 0 = forever. */
  SNAPSHOT_RETENTION_DAYS: retentionDays(7).default(90),
  /** Days of findings_history (each run's raw findings; the lifecycle lives in Postgres); 0 = forever. */
  FINDINGS_HISTORY_RETENTION_DAYS: retentionDays(2).default(35),
  /** Days of entity_events (status transitions behind SLA figures and trends); 0 = forever. */
  ENTITY_EVENTS_RETENTION_DAYS: retentionDays(31).default(400),
  /**
   * Days of run history in Postgres: reconciliation and snapshot runs, alert deliveries, and the audit
   * entries of received connector events; 0 = forever. The runs reads still use are always kept.
   */
  RUN_HISTORY_RETENTION_DAYS: retentionDays(7).default(90),
  /** Days of every other audit entry (people's and the system's actions); 0 = forever. */
  AUDIT_LOG_RETENTION_DAYS: retentionDays(31).default(0),
  /**
   * Days a resolved or retired finding is kept in Postgres, with its finished fix-up tasks; 0 = forever.
   * Unfinished tasks and stewardship items keep theirs; the dashboard's rollups keep every day's figures.
   */
  CLOSED_FINDINGS_RETENTION_DAYS: retentionDays(31).default(0),
  /** Where links in alerts point: the dashboard as users reach it. */
  DASHBOARD_PUBLIC_URL: url(['http:', 'https:']).default('http://127.0.0.1:3000'),
});

export type Env = z.infer<typeof envSchema>;

/** Variables whose values must never appear in a response or a log line. */
export const SECRET_ENV_KEYS = [
  'CLICKHOUSE_PASSWORD',
  'DATABASE_URL',
  'REDIS_URL',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_WEBHOOK_URLS',
] as const;

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidConfigError';
  }
}

/** Rules that tie several variables together (kept out of envSchema so it stays a plain object). */
function crossFieldProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.CLICKHOUSE_CLUSTER === '') {
    if (env.CLICKHOUSE_REPLICATED) problems.push('CLICKHOUSE_REPLICATED: needs CLICKHOUSE_CLUSTER');
    if (env.CLICKHOUSE_SHARD_URLS.length > 0) problems.push('CLICKHOUSE_SHARD_URLS: needs CLICKHOUSE_CLUSTER');
    return problems;
  }
  if (env.CLICKHOUSE_SHARD_URLS.length === 0) {
    problems.push('CLICKHOUSE_SHARD_URLS: required with CLICKHOUSE_CLUSTER (one HTTP URL per shard)');
  }
  if (env.CLICKHOUSE_REPLICATED && env.CLICKHOUSE_CLUSTER_DDL !== 'on_cluster') {
    problems.push(
      'CLICKHOUSE_CLUSTER_DDL: must be on_cluster when CLICKHOUSE_REPLICATED=true (replicas need a keeper)',
    );
  }
  return problems;
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) {
    const problems = crossFieldProblems(result.data);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    return result.data;
  }
  throw new InvalidConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  );
}
