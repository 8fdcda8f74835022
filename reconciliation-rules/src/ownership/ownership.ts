/**
 * The ownership policy: which system is the system of record for each entity (its existence) and for
 * each field. Findings name the owner's value as expected and every other system's value as actual.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ENTITY_KINDS, expandField, findColumn, type EntityKind } from '../model/entity-columns';
import { parseYamlAgainst, RuleFileError, type Locate, type SourceProblem } from '../rules/yaml-document';

const systemName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a system id such as erp');

const EntityOwnership = z
  .object({
    record: systemName.describe('System of record for the existence of the entity.'),
    fields: z.record(z.string(), systemName).default({}),
  })
  .strict();

export const OwnershipSchema = z
  .object({
    version: z.literal(1),
    entities: z.partialRecord(z.enum(ENTITY_KINDS), EntityOwnership),
  })
  .strict();

export type OwnershipFile = z.infer<typeof OwnershipSchema>;

export interface EntityOwners {
  record: string;
  /** Column (groups expanded) → owning system. */
  fields: Readonly<Record<string, string>>;
}

export interface Ownership {
  entities: Partial<Record<EntityKind, EntityOwners>>;
}

export class OwnershipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OwnershipError';
  }
}

/** Fields that are not columns but that the ownership file may still name (the hierarchy rule owns `parent`). */
const VIRTUAL_FIELDS = new Set(['parent']);

function expand(
  file: OwnershipFile,
  source: string,
  locate: Locate,
): { ownership: Ownership; problems: SourceProblem[] } {
  const problems: SourceProblem[] = [];
  const entities: Partial<Record<EntityKind, EntityOwners>> = {};
  for (const entity of ENTITY_KINDS) {
    const declared = file.entities[entity];
    if (!declared) continue;
    const fields: Record<string, string> = {};
    for (const [field, system] of Object.entries(declared.fields)) {
      for (const column of expandField(field)) {
        if (!findColumn(entity, column) && !VIRTUAL_FIELDS.has(column)) {
          const path = ['entities', entity, 'fields', field];
          problems.push({
            file: source,
            ...locate(path),
            field: path.join('.'),
            message: `${entity} has no field ${column}`,
          });
        }
        fields[column] = system;
      }
    }
    entities[entity] = { record: declared.record, fields };
  }
  return { ownership: { entities }, problems };
}

/** Parses ownership YAML text; throws a RuleFileError naming file, line and field on any problem. */
export function parseOwnership(text: string, file = 'ownership.yaml'): Ownership {
  const parsed = parseYamlAgainst(text, file, OwnershipSchema);
  if (!parsed.ok) throw new RuleFileError(parsed.problems);
  const { ownership, problems } = expand(parsed.value, file, parsed.locate);
  if (problems.length > 0) throw new RuleFileError(problems);
  return ownership;
}

export function loadOwnership(path: string): Ownership {
  return parseOwnership(readFileSync(path, 'utf8'), path);
}

/** The system of record for one field; falls back to the entity's record owner. */
export function ownerOf(ownership: Ownership, entity: EntityKind, field: string): string {
  const owners = ownership.entities[entity];
  if (!owners) throw new OwnershipError(`the ownership policy does not cover entity ${entity}`);
  return owners.fields[field] ?? owners.record;
}

export function recordOwnerOf(ownership: Ownership, entity: EntityKind): string {
  const owners = ownership.entities[entity];
  if (!owners) throw new OwnershipError(`the ownership policy does not cover entity ${entity}`);
  return owners.record;
}
