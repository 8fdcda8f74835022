import { z } from 'zod';

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const channel = z.string().regex(/^#?[a-z0-9_-]{1,80}$|^[CG][A-Z0-9]{6,}$/, 'must be a channel name or id');

/** One alert rule: which findings fire it, where it goes, how loudly. */
export const alertRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/),
    description: z.string().min(1),
    when: z
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
      .strict(),
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
  .strict();

export type AlertRule = z.infer<typeof alertRuleSchema>;
export const alertRuleFileSchema = z.object({ alerts: z.array(alertRuleSchema).min(1) }).strict();
