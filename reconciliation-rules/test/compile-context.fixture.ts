/** One fixed context for golden SQL: the current-state tables of four systems, a fixed evaluation time. */
import {
  currentStateSources,
  DEFAULT_OWNERSHIP_FILE,
  ENTITY_KINDS,
  ident,
  loadOwnership,
  type CompileContext,
  type EntityKind,
} from '../src';

export const SYSTEMS = ['erp', 'crm', 'wms', 'support'];

export function goldenContext(overrides: Partial<CompileContext> = {}): CompileContext {
  const systemsByEntity = Object.fromEntries(ENTITY_KINDS.map((entity) => [entity, SYSTEMS])) as Record<
    EntityKind,
    string[]
  >;
  return {
    ownership: loadOwnership(DEFAULT_OWNERSHIP_FILE),
    sources: currentStateSources(systemsByEntity),
    events: ident('entity_events'),
    asOf: new Date('2026-01-10T12:00:00Z'),
    lastComplete: { erp: new Date('2026-01-10T11:00:00Z'), crm: new Date('2026-01-10T02:00:00Z'), wms: null },
    ...overrides,
  };
}
