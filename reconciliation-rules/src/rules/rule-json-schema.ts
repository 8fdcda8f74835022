/** The published JSON Schema of a rule file, generated from the zod schema the loader uses. */
import { z } from 'zod';
import { RuleSchema } from './rule.schema';

export function ruleJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RuleSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://driftwatch.dev/schema/rule.schema.json',
    title: 'Driftwatch reconciliation rule',
  };
}
