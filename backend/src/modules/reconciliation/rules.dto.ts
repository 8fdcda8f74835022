import { ApiProperty } from '@nestjs/swagger';
import { DOMAINS, FIX_POLICIES, SEVERITIES, type Rule, type RuleKind } from '@driftwatch/reconciliation-rules';

const RULE_KINDS: readonly RuleKind[] = [
  'field_match',
  'presence',
  'duplicates',
  'hierarchy',
  'aggregate',
  'propagation_sla',
  'freshness',
  'custom_sql',
];

/** One rule of the pack as the rules list shows it. */
export class RuleSummaryView {
  @ApiProperty({ example: 'customer-email-match' })
  id!: string;

  @ApiProperty({ example: 3 })
  version!: number;

  @ApiProperty()
  description!: string;

  @ApiProperty({ description: 'The team that owns the rule.' })
  owner!: string;

  @ApiProperty({ enum: SEVERITIES })
  severity!: Rule['severity'];

  @ApiProperty({ enum: DOMAINS })
  domain!: Rule['domain'];

  @ApiProperty({ enum: RULE_KINDS })
  kind!: RuleKind;

  @ApiProperty({ enum: FIX_POLICIES })
  fix_policy!: Rule['fix_policy'];

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    type: [String],
    description: 'Systems of record the rule reads (custom_sql rules name theirs inside the SQL: empty here).',
  })
  systems!: string[];
}

export class RuleListView {
  @ApiProperty({ type: [RuleSummaryView] })
  items!: RuleSummaryView[];

  @ApiProperty({
    type: [String],
    description: 'Rule files that failed to load, each problem with file, line and field; they never hide the others.',
  })
  errors!: string[];
}

export class CompiledRuleView {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The ClickHouse SELECT a run would execute now (null when the rule does not compile).',
  })
  findingsSql!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'propagation_sla only: the latency percentile query.' })
  latencySql!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the rule does not compile against the current state.',
  })
  error!: string | null;
}

export class RuleDefinitionView extends RuleSummaryView {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The whole rule as loaded from its YAML file, defaults filled in.',
  })
  definition!: Rule;

  @ApiProperty({ type: CompiledRuleView })
  compiled!: CompiledRuleView;
}
