import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FIX_POLICIES, type FixPolicy } from './fixup-task';

/**
 * Which fix policy applies to a finding's write into one system. The rule's `fix_policy` is the
 * default; the policy file (FIXUPS_POLICY_FILE) may override it per rule, per target system, or per
 * rule within a target system — the most specific wins.
 *
 * ```yaml
 * version: 1
 * rules:
 *   customer.billing-address-match: approval
 * systems:
 *   erp:
 *     default: approval
 *     rules:
 *       customer.contact-channels-match: auto
 * ```
 */
const policy = z.enum(FIX_POLICIES);
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a rule id');
export const policyFileSchema = z
  .object({
    version: z.literal(1),
    rules: z.record(ruleId, policy).default({}),
    systems: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be a connector id'),
        z.object({ default: policy.optional(), rules: z.record(ruleId, policy).default({}) }).strict(),
      )
      .default({}),
  })
  .strict();
export type PolicyOverrides = z.infer<typeof policyFileSchema>;

export const NO_OVERRIDES: PolicyOverrides = { version: 1, rules: {}, systems: {} };

export class PolicyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyFileError';
  }
}

export interface ResolvedPolicy {
  policy: FixPolicy;
  /** Where it came from, for the task's audit trail. */
  source: 'rule' | 'rule override' | 'system default' | 'system rule override';
}

export function resolvePolicy(
  rule: { id: string; fix_policy: FixPolicy },
  targetSystem: string,
  overrides: PolicyOverrides = NO_OVERRIDES,
): ResolvedPolicy {
  const system = overrides.systems[targetSystem];
  const systemRule = system?.rules[rule.id];
  if (systemRule) return { policy: systemRule, source: 'system rule override' };
  if (system?.default) return { policy: system.default, source: 'system default' };
  const ruleOverride = overrides.rules[rule.id];
  if (ruleOverride) return { policy: ruleOverride, source: 'rule override' };
  return { policy: rule.fix_policy, source: 'rule' };
}

export function parsePolicyFile(text: string, source = 'fix-up policy file'): PolicyOverrides {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new PolicyFileError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = policyFileSchema.safeParse(document ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PolicyFileError(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return result.data;
}

export function loadPolicyFile(path: string | undefined): PolicyOverrides {
  if (!path) return NO_OVERRIDES;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolicyFileError(`cannot read fix-up policy file ${path}: ${(error as Error).message}`);
  }
  return parsePolicyFile(text, path);
}
