export * from './sql/sql-fragment';
export * from './model/entity-columns';
export * from './rules/rule.schema';
export { parseRule, parseRuleOrThrow, loadRules, type LoadedRule, type RuleLoadResult } from './rules/rule-loader';
export { RuleFileError, formatProblem, type SourceProblem } from './rules/yaml-document';
export { checkCustomSql, type CustomSqlCheck } from './rules/custom-sql-validation';
export { ruleJsonSchema } from './rules/rule-json-schema';
export * from './ownership/ownership';
export * from './compiler/compile-context';
export { compileRule, type CompiledRule } from './compiler/compile-rule';
export { compileFieldMatchGroup, fieldMatchFusionKey } from './compiler/field-match-group';
export { normalize } from './compiler/normalizers';
export {
  FINDING_COLUMNS,
  FINDING_KINDS,
  UNSETTLED_KIND,
  type FindingRow,
  type FindingColumn,
} from './compiler/finding-row';
export * from './fixtures/rule-fixture';
export { RULES_PACKAGE_ROOT, DEFAULT_RULES_DIR, DEFAULT_OWNERSHIP_FILE, DEFAULT_FIXTURES_DIR } from './package-paths';
