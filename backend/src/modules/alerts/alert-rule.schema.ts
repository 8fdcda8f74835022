import { validateCronExpression } from 'cron';
import { z } from 'zod';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const channel = z.string().regex(/^#?[a-z0-9_-]{1,80}$|^[CG][A-Z0-9]{6,}$/, 'must be a channel name or id');

const idPattern = z.array(
  z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.:*-]+$/, 'must be an id, optionally ending in *'),
);

/** Conditions on findings after each reconciliation run. */
const findingsCondition = z
  .object({
    /** Reconciliation rule ids; `*` at the end matches a prefix. Empty = any rule. */
    rules: z.array(z.string().min(1)).default([]),
    domains: z.array(z.string().min(1)).default([]),
    /** Owning teams of the reconciliation rules (their `owner`). Empty = any team. */
    owners: z.array(z.string().min(1)).default([]),
    minSeverity: z.enum(SEVERITIES).default('low'),
    newAtLeast: z.number().int().min(0).default(0),
    openAtLeast: z.number().int().min(1).default(1),
    affectedPercentAtLeast: z.number().min(0).max(100).default(0),
  })
  .strict();

export const SLA_METRICS = ['p50_latency', 'p95_latency', 'max_latency', 'breach_rate'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

/** Conditions on propagation SLAs per route (each `propagation_sla` reconciliation rule is one route). */
const slaCondition = z
  .object({
    /** Route names or propagation_sla rule ids; `*` at the end matches a prefix. Empty = every route. */
    routes: idPattern.default([]),
    metric: z.enum(SLA_METRICS),
    /** The window the metric is computed over, ending now. */
    windowMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .default(60),
    /** For the latency metrics: fires when the latency is above this many seconds. */
    aboveSeconds: z.number().positive().optional(),
    /** For breach_rate: fires when more than this percentage of judged events breached the route's limit. */
    abovePercent: z.number().min(0).max(100).optional(),
    /** Fewer events than this in the window never fire (a p95 of three events says little). */
    minEvents: z.number().int().min(1).default(10),
    /** Defaults to the propagation rule's own severity. */
    severity: z.enum(SEVERITIES).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.metric === 'breach_rate') {
      if (c.abovePercent === undefined)
        ctx.addIssue({ code: 'custom', path: ['abovePercent'], message: 'breach_rate needs abovePercent' });
      if (c.aboveSeconds !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['aboveSeconds'],
          message: 'breach_rate takes abovePercent, not aboveSeconds',
        });
    } else {
      if (c.aboveSeconds === undefined)
        ctx.addIssue({ code: 'custom', path: ['aboveSeconds'], message: `${c.metric} needs aboveSeconds` });
      if (c.abovePercent !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['abovePercent'],
          message: `${c.metric} takes aboveSeconds, not abovePercent`,
        });
    }
  });

/** Conditions on connectors: health check failing, last complete snapshot too old. */
const connectorCondition = z
  .object({
    /** Connector ids. Empty = every configured connector. */
    connectors: idPattern.default([]),
    /** Fire while the connector's health check fails. */
    down: z.boolean().default(false),
    /** Fire when an entity's last complete snapshot finished longer ago than this (or never, when it is scheduled). */
    staleAfterMinutes: z.number().int().min(1).optional(),
    /** Entities the freshness check looks at. Empty = every entity the connector snapshots. */
    entities: z.array(z.string().min(1)).default([]),
    severity: z.enum(SEVERITIES).default('high'),
  })
  .strict()
  .refine((c) => c.down || c.staleAfterMinutes !== undefined, {
    message: 'a connector condition needs down: true and/or staleAfterMinutes',
  });

/**
 * Conditions on corrective sync per target system: writes that failed for good (dead letters), and
 * tasks left waiting for a person (needs_review, conflict) untouched for too long.
 */
const fixupsCondition = z
  .object({
    /** Target systems (connector ids). Empty = every system fix-ups write to. */
    systems: idPattern.default([]),
    /** Fire while at least this many of the system's fix-ups are dead-lettered. */
    deadLettersAtLeast: z.number().int().min(1).optional(),
    /** Fire while one of the system's fix-ups has waited for a person, untouched, longer than this. */
    waitingLongerThanMinutes: z.number().int().min(1).optional(),
    severity: z.enum(SEVERITIES).default('high'),
  })
  .strict()
  .refine((c) => c.deadLettersAtLeast !== undefined || c.waitingLongerThanMinutes !== undefined, {
    message: 'a fixups condition needs deadLettersAtLeast and/or waitingLongerThanMinutes',
  });

/**
 * One alert rule: which condition fires it (exactly one of `when` for findings, `sla`, `connector`, `fixups`),
 * where it goes, how loudly.
 */
export const alertRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be lower-case letters, digits and dashes (2-64)'),
    description: z.string().min(1),
    when: findingsCondition.optional(),
    sla: slaCondition.optional(),
    connector: connectorCondition.optional(),
    fixups: fixupsCondition.optional(),
    route: z
      .object({
        channel,
        escalateTo: channel.optional(),
        escalateAfterMinutes: z.number().int().min(1).default(60),
      })
      .strict(),
    renotifyAfterMinutes: z.number().int().min(5).default(240),
    quietHours: z
      .object({ from: clock, to: clock, timezone: z.string().default('UTC') })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const given = (['when', 'sla', 'connector', 'fixups'] as const).filter((k) => rule[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          given.length === 0
            ? 'needs one condition: when (findings), sla, connector or fixups'
            : `has ${given.join(' and ')}: give exactly one condition per alert rule`,
      });
    }
    if (rule.quietHours && !isTimeZone(rule.quietHours.timezone)) {
      ctx.addIssue({
        code: 'custom',
        path: ['quietHours', 'timezone'],
        message: `unknown time zone ${rule.quietHours.timezone}`,
      });
    }
  });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type AlertRule = z.infer<typeof alertRuleSchema>;
export type FindingsCondition = z.infer<typeof findingsCondition>;
export type SlaCondition = z.infer<typeof slaCondition>;
export type ConnectorCondition = z.infer<typeof connectorCondition>;
export type FixupsCondition = z.infer<typeof fixupsCondition>;

/**
 * A scheduled summary for a channel (ops leaders): open findings and how they moved, auto-heal rate and
 * SLA adherence over the last `days` whole UTC days before the tick, the figures the dashboard's
 * overview shows. Not tied to any condition: it goes out whatever the numbers.
 */
export const digestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be lower-case letters, digits and dashes (2-64)'),
    description: z.string().min(1),
    channel,
    /** Five-field cron (UTC), e.g. '0 7 * * 1-5' for weekday mornings. */
    schedule: z
      .string()
      .regex(/^\S+(\s+\S+){4}$/, 'must be a five-field cron expression (minute hour day month weekday, UTC)'),
    /** Whole UTC days the digest covers, ending with the day before the tick (1: yesterday, 7: the week). */
    days: z.number().int().min(1).max(31).default(1),
    /** Narrows every figure to findings that involve these systems. Empty = all systems. */
    systems: z.array(z.string().min(1)).default([]),
    /** How many rules with the most open findings the message lists. */
    topRules: z.number().int().min(0).max(10).default(5),
  })
  .strict()
  .superRefine((digest, ctx) => {
    const cron = validateCronExpression(digest.schedule);
    if (!cron.valid)
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: `not a valid cron expression (${cron.error?.message ?? 'unparsable'})`,
      });
  });

export type DigestRule = z.infer<typeof digestSchema>;
export const alertRuleFileSchema = z
  .object({ alerts: z.array(alertRuleSchema).min(1), digests: z.array(digestSchema).default([]) })
  .strict();
export type AlertRulesFile = z.infer<typeof alertRuleFileSchema>;
