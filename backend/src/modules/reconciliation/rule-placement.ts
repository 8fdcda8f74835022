/**
 * Where a rule's SQL runs when ClickHouse is a cluster. Every `<prefix>_<entity>` table is sharded by
 * the entity's default match key (backend/src/clickhouse/cluster-ddl.ts, `shardingKey`), so a rule
 * that only compares one entity's records across systems on that key finds every record it compares
 * on one shard: it runs on each shard over the shard's own rows, in parallel, and moves no data.
 * Everything else (a rule joining other entities or other records, a crosswalk or a rule-level
 * match key) runs once over the Distributed tables, whose subqueries gather rows on the initiator.
 */
import { DEFAULT_MATCH_FIELD, type CompileContext, type EntityKind, type Rule } from '@driftwatch/reconciliation-rules';

export type RulePlacement = 'shard_local' | 'global';

export function rulePlacement(rule: Rule, context: CompileContext): RulePlacement {
  switch (rule.kind) {
    case 'field_match':
      return onShardKey(rule.spec.entity, rule.spec.match_key, context);
    case 'presence':
      // Orphan checks look up parents, which are other records.
      return rule.spec.check === 'missing' ? onShardKey(rule.spec.entity, rule.spec.match_key, context) : 'global';
    case 'duplicates': // compares different records of one system: they sit on different shards
    case 'hierarchy': // parents are other records
    case 'aggregate': // groups one entity by another's key
    case 'propagation_sla':
    case 'freshness':
    case 'custom_sql': // arbitrary SQL: nothing known about its joins
      return 'global';
  }
}

function onShardKey(entity: EntityKind, matchKey: string | undefined, context: CompileContext): RulePlacement {
  const shardKey = matchKey === undefined || matchKey === DEFAULT_MATCH_FIELD[entity];
  return shardKey && context.matchKeys?.[entity] === undefined ? 'shard_local' : 'global';
}
