/**
 * Checks a schema-valid rule against the canonical model: field names exist on the entity, numeric
 * options sit on numeric fields, systems are distinct, custom SQL is a safe SELECT. Kept apart from
 * the zod schema so problems can name the exact field path (and so line) in the YAML file.
 */
import { expandField, findColumn, type EntityKind } from '../model/entity-columns';
import { checkCustomSql } from './custom-sql-validation';
import type { RecordFilter, Rule } from './rule.schema';

export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

export function ruleProblems(rule: Rule): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const field = (entity: EntityKind, name: string | undefined, path: (string | number)[]): void => {
    if (name === undefined) return;
    for (const column of expandField(name)) {
      if (!findColumn(entity, column)) problems.push({ path, message: `${entity} has no field ${column}` });
    }
  };
  const filters = (entity: EntityKind, list: readonly RecordFilter[], path: (string | number)[]): void =>
    list.forEach((f, i) => field(entity, f.field, [...path, i, 'field']));
  const distinct = (systems: readonly string[], path: (string | number)[]): void => {
    if (new Set(systems).size !== systems.length) problems.push({ path, message: 'systems must be distinct' });
  };
  const spec = ['spec'];
  switch (rule.kind) {
    case 'field_match': {
      const s = rule.spec;
      distinct(s.systems, [...spec, 'systems']);
      field(s.entity, s.match_key, [...spec, 'match_key']);
      s.fields.forEach((f, i) => {
        const at = [...spec, 'fields', i];
        field(s.entity, f.field, [...at, 'field']);
        const types = expandField(f.field).map((c) => findColumn(s.entity, c)?.type);
        if (f.tolerance && types.some((t) => t === 'string' || t === 'bool')) {
          problems.push({ path: [...at, 'tolerance'], message: `tolerance needs a numeric or date field` });
        }
        if ((f.value_map || f.normalize.length > 0) && types.some((t) => t !== 'string' && t !== undefined)) {
          problems.push({
            path: [...at, 'normalize'],
            message: 'normalisers and value maps apply to text fields only',
          });
        }
        if (f.owner && !s.systems.includes(f.owner)) {
          problems.push({ path: [...at, 'owner'], message: `owner ${f.owner} is not among spec.systems` });
        }
      });
      break;
    }
    case 'presence': {
      const s = rule.spec;
      if (s.check === 'missing') {
        distinct(s.targets, [...spec, 'targets']);
        if (s.source && s.targets.includes(s.source)) {
          problems.push({ path: [...spec, 'targets'], message: 'targets must not include the source' });
        }
        field(s.entity, s.match_key, [...spec, 'match_key']);
        filters(s.entity, s.filter, [...spec, 'filter']);
      } else {
        distinct(s.systems, [...spec, 'systems']);
        field(s.entity, s.reference, [...spec, 'reference']);
        field(s.parent_entity, s.parent_field, [...spec, 'parent_field']);
      }
      break;
    }
    case 'duplicates': {
      const s = rule.spec;
      distinct(s.systems, [...spec, 'systems']);
      filters(s.entity, s.filter, [...spec, 'filter']);
      s.exact.forEach((key, i) => key.fields.forEach((f, j) => field(s.entity, f, [...spec, 'exact', i, 'fields', j])));
      if (s.fuzzy) {
        field(s.entity, s.fuzzy.field, [...spec, 'fuzzy', 'field']);
        s.fuzzy.blocking.forEach((b, i) => {
          const at = [...spec, 'fuzzy', 'blocking', i];
          b.fields.forEach((f, j) => field(s.entity, f, [...at, 'fields', j]));
          field(s.entity, b.first_token_of, [...at, 'first_token_of']);
          if (b.fields.length === 0 && !b.first_token_of)
            problems.push({ path: at, message: 'a block key needs fields' });
        });
      }
      break;
    }
    case 'hierarchy':
      distinct(rule.spec.systems, [...spec, 'systems']);
      field(rule.spec.entity, rule.spec.parent_reference, [...spec, 'parent_reference']);
      field(rule.spec.entity, rule.spec.match_key, [...spec, 'match_key']);
      if (rule.spec.owner && !rule.spec.systems.includes(rule.spec.owner)) {
        problems.push({ path: [...spec, 'owner'], message: `owner ${rule.spec.owner} is not among spec.systems` });
      }
      break;
    case 'aggregate':
      for (const side of ['expected', 'actual'] as const) {
        const s = rule.spec[side];
        const at = [...spec, side];
        field(s.entity, s.field, [...at, 'field']);
        field(s.entity, s.group_by ?? 'customer_number', [...at, 'group_by']);
        filters(s.entity, s.filter, [...at, 'filter']);
        const type = s.field ? findColumn(s.entity, s.field)?.type : undefined;
        if (s.function === 'count' && s.field)
          problems.push({ path: [...at, 'field'], message: 'count takes no field' });
        if (s.function !== 'count' && !s.field) problems.push({ path: at, message: `${s.function} needs a field` });
        if (type === 'string') problems.push({ path: [...at, 'field'], message: 'aggregated field must be numeric' });
      }
      break;
    case 'propagation_sla':
      field(rule.spec.entity, rule.spec.field, [...spec, 'field']);
      if (rule.spec.from === rule.spec.to) problems.push({ path: [...spec, 'to'], message: 'from and to must differ' });
      break;
    case 'freshness':
      distinct(rule.spec.systems, [...spec, 'systems']);
      break;
    case 'custom_sql':
      for (const message of checkCustomSql(rule.spec.sql).problems) problems.push({ path: [...spec, 'sql'], message });
      break;
  }
  return problems;
}
