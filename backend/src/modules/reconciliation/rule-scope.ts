/**
 * What a rule reads, so a run can skip rules whose systems have never delivered a complete snapshot,
 * hold presence rules behind the flood guard, and backtest against the right snapshots.
 */
import type { EntityKind, Ownership, Rule, RuleKind } from '@driftwatch/reconciliation-rules';
import { recordOwnerOf } from '@driftwatch/reconciliation-rules';

export interface SourceRead {
  entity: EntityKind;
  system: string;
}

/** Kinds a targeted run (a few keys after an event) can evaluate on a key subset without false results. */
/** `system/entity`: how runs name the snapshots they read. */
export const pairKey = (p: SourceRead): string => `${p.system}/${p.entity}`;

export const TARGETABLE_KINDS: readonly RuleKind[] = ['field_match', 'presence', 'hierarchy'];

export function ruleEntity(rule: Rule): EntityKind | null {
  switch (rule.kind) {
    case 'aggregate':
      return rule.spec.expected.entity;
    case 'freshness':
      return null;
    case 'field_match':
    case 'presence':
    case 'duplicates':
    case 'hierarchy':
    case 'propagation_sla':
    case 'custom_sql':
      return rule.spec.entity;
  }
}

export function ruleReads(rule: Rule, ownership: Ownership): SourceRead[] {
  const each = (entity: EntityKind, systems: readonly string[]): SourceRead[] =>
    systems.map((system) => ({ entity, system }));
  switch (rule.kind) {
    case 'field_match':
    case 'duplicates':
    case 'hierarchy':
      return each(rule.spec.entity, rule.spec.systems);
    case 'presence':
      if (rule.spec.check === 'orphan') {
        const parents = rule.spec.parent_system ? [rule.spec.parent_system] : rule.spec.systems;
        return [...each(rule.spec.entity, rule.spec.systems), ...each(rule.spec.parent_entity, parents)];
      }
      return each(rule.spec.entity, [
        rule.spec.source ?? recordOwnerOf(ownership, rule.spec.entity),
        ...rule.spec.targets,
      ]);
    case 'aggregate':
      return [
        { entity: rule.spec.expected.entity, system: rule.spec.expected.system },
        { entity: rule.spec.actual.entity, system: rule.spec.actual.system },
      ];
    case 'propagation_sla':
      return each(rule.spec.entity, [rule.spec.from, rule.spec.to]);
    case 'freshness':
    case 'custom_sql':
      return [];
  }
}

const DOMAIN_OF_ENTITY: Record<EntityKind, 'customer' | 'credit' | 'order' | 'contact'> = {
  customer: 'customer',
  contact: 'contact',
  credit_profile: 'credit',
  order: 'order',
  shipment: 'order',
  ticket: 'customer',
};

export const domainOfEntity = (entity: EntityKind): string => DOMAIN_OF_ENTITY[entity];
