/**
 * The rule format: one YAML file per rule, validated by these zod schemas. The published JSON Schema
 * (`schema/rule.schema.json`) is generated from `RuleSchema`, so editors and the loader agree.
 */
import { z } from 'zod';
import { ENTITY_KINDS } from '../model/entity-columns';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _ only, starting with a letter')
  .max(64);
const systemName = name.describe('A system (connector instance) id, e.g. erp, crm, wms.');
const fieldName = name.describe('A canonical field (snake_case column) of the entity, or a field group.');

export const ENTITY = z.enum(ENTITY_KINDS).describe('The canonical entity the rule reads.');
export const DOMAINS = ['customer', 'credit', 'order', 'contact'] as const;
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const FIX_POLICIES = ['auto', 'approval', 'manual'] as const;

export const DURATION = z
  .union([
    z.number().int().positive(),
    z.string().regex(/^[1-9][0-9]*(s|m|h|d)$/, 'a duration such as 90s, 15m, 4h or 7d'),
  ])
  .describe('Seconds, or a number with a unit: s, m, h, d.');

export const NORMALIZERS = [
  'trim',
  'lower',
  'upper',
  'collapse_whitespace',
  'remove_whitespace',
  'strip_punctuation',
  'digits',
  'phone',
  'email',
  'address',
  'company_suffix',
] as const;
export const Normalizer = z.enum(NORMALIZERS);
const normalizers = z.array(Normalizer).default([]).describe('Applied in order before comparing.');

const tolerance = z
  .object({
    absolute: z.number().nonnegative().optional(),
    relative: z.number().nonnegative().max(1).optional().describe('A fraction of the larger value, e.g. 0.01.'),
  })
  .strict()
  .describe('Numbers closer than the larger of the two tolerances are equal.');

const valueMap = z
  .record(z.string().min(1), z.array(z.string()).min(1))
  .describe('Canonical value → its aliases (compared after normalising), e.g. NET30: [N30, "Net 30"].');

const filter = z
  .object({
    field: fieldName,
    in: z.array(z.string()).min(1).optional(),
    not_in: z.array(z.string()).min(1).optional(),
    systems: z
      .array(systemName)
      .min(1)
      .optional()
      .describe("Only these systems' records are filtered (a status means one thing in one system); default: all."),
  })
  .strict()
  .refine((f) => (f.in === undefined) !== (f.not_in === undefined), { message: 'give exactly one of in, not_in' });

const systems = z.array(systemName).min(1);

export const FieldMatchSpec = z
  .object({
    entity: ENTITY,
    systems: systems.min(2).describe('Systems compared; each field compares its owner against the others.'),
    match_key: fieldName.optional().describe('Cross-system key field; defaults to the context match key.'),
    fields: z
      .array(
        z
          .object({
            field: fieldName,
            normalize: normalizers,
            value_map: valueMap.optional(),
            tolerance: tolerance.optional(),
            owner: systemName.optional().describe('Overrides the ownership file for this rule.'),
          })
          .strict(),
      )
      .min(1),
    settle: DURATION.optional().describe(
      'Records either system changed within this long before the evaluation are not reported yet: a change ' +
        'still on its way between systems is not drift (a propagation_sla rule times it). Their open findings ' +
        'stay as they are until the records have settled.',
    ),
    settle_on: z
      .enum(['either', 'owner'])
      .default('either')
      .describe(
        "Whose changes settle waits for. either: a change of either record. owner: only a change of the field's " +
          "system of record, while its record is newer than the other system's (the change is on its way to the " +
          'copy); a copy changed on its own is drift and reported at once.',
      ),
  })
  .strict()
  .refine((s) => s.settle !== undefined || s.settle_on === 'either', {
    message: 'settle_on needs settle',
    path: ['settle_on'],
  });

export const PresenceSpec = z.discriminatedUnion('check', [
  z
    .object({
      check: z.literal('missing'),
      entity: ENTITY,
      source: systemName.optional().describe('System whose records must exist elsewhere; default: the record owner.'),
      targets: systems.describe('Systems that should hold every source record.'),
      both_directions: z.boolean().default(false).describe('Also report target records the source lacks.'),
      match_key: fieldName.optional(),
      filter: z.array(filter).default([]).describe('Only source records passing every filter must exist.'),
      settle: DURATION.optional().describe(
        'Records changed within this long before the evaluation are not reported as missing or unexpected yet: ' +
          'a record still on its way to the other system, or not yet in its last snapshot (a system read ' +
          'every few minutes against one that streams its changes), is not drift. Their open findings stay ' +
          'as they are until the records have settled.',
      ),
    })
    .strict(),
  z
    .object({
      check: z.literal('orphan'),
      entity: ENTITY.describe('The child entity.'),
      systems: systems.describe('Systems checked, each on its own.'),
      reference: fieldName.describe('Child field pointing at the parent, e.g. customer_key.'),
      parent_entity: ENTITY,
      parent_field: fieldName.default('entity_key').describe('Parent field the reference must equal.'),
      parent_system: systemName
        .optional()
        .describe("System holding the parents (e.g. the ERP's orders for WMS shipments); default: the child's own."),
      require_reference: z.boolean().default(false).describe('An empty reference is an orphan too.'),
      settle: DURATION.optional().describe(
        'Children changed within this long before the evaluation are not reported yet: a parent still on its ' +
          'way from its system (the next snapshot) is not missing. Their open findings stay as they are until ' +
          'the children have settled.',
      ),
    })
    .strict()
    .refine((s) => s.parent_system === undefined || s.parent_field !== 'entity_key', {
      message: "parent_system needs a parent_field other than entity_key: entity keys are each system's own",
      path: ['parent_field'],
    }),
]);

const blocking = z
  .object({
    fields: z.array(fieldName).default([]).describe('Exact fields of the block key.'),
    first_token_of: fieldName.optional().describe('Add the first normalised word of this field to the key.'),
  })
  .strict();

const normalisedKey = z.object({ fields: z.array(fieldName).min(1), normalize: normalizers }).strict();

export const DuplicatesSpec = z
  .object({
    entity: ENTITY,
    systems: systems.describe('Each system is searched for duplicates within itself.'),
    filter: z
      .array(filter)
      .default([])
      .describe('Only records passing every filter are compared (e.g. leave out retired records).'),
    exact: z
      .array(normalisedKey)
      .default([])
      .describe('Records sharing every normalised field (none empty) are duplicates.'),
    fuzzy: z
      .object({
        field: fieldName,
        normalize: normalizers,
        threshold: z.number().gt(0).max(1).describe('Minimum trigram Jaccard similarity.'),
        blocking: z.array(blocking).min(1).describe('Only records sharing a block key are compared.'),
        max_block_size: z.number().int().min(2).default(200).describe('Larger blocks are skipped.'),
        distinct_if_different: z
          .array(normalisedKey)
          .default([])
          .describe('Two records whose normalised key is filled in both and differs are never a candidate pair.'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => s.exact.length > 0 || s.fuzzy !== undefined, { message: 'give exact keys, fuzzy, or both' });

export const HierarchySpec = z
  .object({
    entity: ENTITY,
    systems: systems.min(2),
    parent_reference: fieldName.default('parent_key').describe("Field holding the parent's key in the same system."),
    match_key: fieldName.optional(),
    owner: systemName.optional().describe('Defaults to the owner of the `parent` field in the ownership file.'),
  })
  .strict();

const aggregateSide = z
  .object({
    system: systemName,
    entity: ENTITY,
    field: fieldName.optional().describe('Summed field; omit to count records.'),
    function: z.enum(['sum', 'count', 'max', 'min']).default('sum'),
    group_by: fieldName.optional().describe('Grouping field; default: customer_number.'),
    filter: z.array(filter).default([]),
  })
  .strict();

export const AggregateSpec = z
  .object({
    measure: name.describe('Name of the compared total, reported as the finding field.'),
    expected: aggregateSide.describe("The owner's side."),
    actual: aggregateSide,
    tolerance: tolerance.default({ absolute: 0 }),
    settle: DURATION.optional().describe(
      "Groups with a record either system changed within this long before the evaluation (any of the group's " +
        'records, also those the filters leave out: an order leaving an open status moves the total) are not ' +
        'reported yet: a change still on its way between systems is not drift. Their open findings stay as they ' +
        'are until the records have settled.',
    ),
  })
  .strict();

export const PropagationSlaSpec = z
  .object({
    route: name.describe('Route name, e.g. erp_to_crm_order_status.'),
    entity: ENTITY,
    field: fieldName,
    from: systemName,
    to: systemName,
    within: DURATION,
    lookback: DURATION.default('7d').describe('Only source events this recent are checked.'),
    normalize: normalizers.describe('Applied to both values before matching.'),
  })
  .strict();

export const FreshnessSpec = z
  .object({
    systems,
    max_age: DURATION,
  })
  .strict();

export const CustomSqlSpec = z
  .object({
    entity: ENTITY,
    sql: z
      .string()
      .min(1)
      .describe(
        'One SELECT returning match_key (plus any of field, owner_system, expected_value, actual_system, ' +
          'actual_value, details, score). Refer to sources as {{entity.system}} and to events as {{events}}.',
      ),
  })
  .strict();

const common = {
  id: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]*$/, 'lower-case letters, digits, ".", "-", "_"; starting with a letter')
    .max(100),
  version: z.number().int().positive(),
  description: z.string().min(1),
  owner: z.string().min(1).describe('The team that owns the rule.'),
  severity: z.enum(SEVERITIES),
  domain: z.enum(DOMAINS),
  fix_policy: z.enum(FIX_POLICIES),
  enabled: z.boolean().default(true),
  tags: z.array(z.string()).default([]),
};

const ruleOf = <K extends string, S extends z.ZodType>(kind: K, spec: S) =>
  z.object({ ...common, kind: z.literal(kind), spec }).strict();

export const RuleSchema = z
  .discriminatedUnion('kind', [
    ruleOf('field_match', FieldMatchSpec),
    ruleOf('presence', PresenceSpec),
    ruleOf('duplicates', DuplicatesSpec),
    ruleOf('hierarchy', HierarchySpec),
    ruleOf('aggregate', AggregateSpec),
    ruleOf('propagation_sla', PropagationSlaSpec),
    ruleOf('freshness', FreshnessSpec),
    ruleOf('custom_sql', CustomSqlSpec),
  ])
  .describe('A Driftwatch reconciliation rule.');

export type Rule = z.infer<typeof RuleSchema>;
export type RuleKind = Rule['kind'];
export type RuleOfKind<K extends RuleKind> = Extract<Rule, { kind: K }>;
export type NormalizerName = z.infer<typeof Normalizer>;
export type Tolerance = z.infer<typeof tolerance>;
export type RecordFilter = z.infer<typeof filter>;
export type AggregateSide = z.infer<typeof aggregateSide>;
export type Duration = z.infer<typeof DURATION>;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

export function durationSeconds(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  const unit = duration.slice(-1) as keyof typeof UNIT_SECONDS;
  return Number.parseInt(duration.slice(0, -1), 10) * UNIT_SECONDS[unit];
}
