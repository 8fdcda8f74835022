/**
 * A drift scenario: seeded rates of each kind of drift injected while the estate is generated, plus
 * the continuous-mode rhythm. Loaded from JSON or YAML and validated, so a typo fails loudly.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const DRIFT_KINDS = [
  'field_edit',
  'not_propagated',
  'late_propagation',
  'missing',
  'orphan',
  'duplicate',
  'hierarchy_change',
  'credit_hold_not_in_crm',
  'order_status_stuck',
  /** A customer whose parent does not exist in the same system (ParentId / InvoiceAccount dangling). */
  'orphan_parent',
  /** A CRM contact's change (title, phone) that never reached the ERP, or a contact never created there. */
  'contact_not_propagated',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

const rate = z.number().min(0).max(1);

export const driftScenarioSchema = z
  .object({
    name: z.string().default('custom'),
    /** Seed of the drift draws, independent of the data seed. */
    seed: z.number().int().default(1),
    /** Share of customers that get each kind of drift (at most one kind per customer). */
    rates: z
      .object(
        Object.fromEntries(DRIFT_KINDS.map((k) => [k, rate.default(0)])) as Record<
          DriftKind,
          z.ZodDefault<typeof rate>
        >,
      )
      .strict()
      .prefault({}),
    /** The propagation SLA that late propagation breaks. */
    slaSeconds: z.number().int().positive().default(3600),
    continuous: z
      .object({
        intervalMs: z.number().int().positive().default(1000),
        newOrdersPerTick: z.number().int().min(0).default(1),
        statusMovesPerTick: z.number().int().min(0).default(3),
        editsPerTick: z.number().int().min(0).default(1),
        /** CRM contact title changes per tick, which the CRM → ERP contact integration copies. */
        contactEditsPerTick: z.number().int().min(0).default(1),
        /** Chance that one change of a tick drifts (not propagated, late, or edited in the CRM). */
        driftProbability: rate.default(0.05),
        /** Normal propagation delay ERP → CRM / support. */
        propagationDelayMs: z.number().int().min(0).default(2000),
        /** How late the ERP → CRM customer integration copies a billing address: [min, max] ms, uniform. */
        addressPropagationDelayMs: z
          .tuple([z.number().int().min(0), z.number().int().min(0)])
          .default([5000, 300_000])
          .refine(([min, max]) => min <= max, { message: 'the minimum exceeds the maximum' }),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const total = Object.values(s.rates).reduce((a, b) => a + b, 0);
    if (total > 1)
      ctx.addIssue({
        code: 'custom',
        message: `drift rates add up to ${Number(total.toFixed(6))}; at most 1 (one kind per customer)`,
      });
  });

export type DriftScenario = z.infer<typeof driftScenarioSchema>;

export const DEFAULT_SCENARIO: DriftScenario = driftScenarioSchema.parse({
  name: 'default',
  seed: 1,
  rates: {
    field_edit: 0.02,
    not_propagated: 0.01,
    late_propagation: 0.01,
    missing: 0.005,
    orphan: 0.003,
    duplicate: 0.005,
    hierarchy_change: 0.003,
    credit_hold_not_in_crm: 0.004,
    order_status_stuck: 0.01,
    orphan_parent: 0.002,
    contact_not_propagated: 0.005,
  },
});

export const NO_DRIFT: DriftScenario = driftScenarioSchema.parse({ name: 'none' });

export function parseScenario(input: unknown): DriftScenario {
  const result = driftScenarioSchema.safeParse(input);
  if (!result.success)
    throw new Error(
      `invalid drift scenario: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return result.data;
}

export function loadScenarioFile(path: string): DriftScenario {
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(`cannot parse scenario file ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return parseScenario(raw);
}
