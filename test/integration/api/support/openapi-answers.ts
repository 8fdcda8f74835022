import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

interface DocumentedResponse {
  $ref?: string;
  content?: Record<string, { schema?: Json }>;
}

interface Operation {
  responses?: Record<string, DocumentedResponse>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: Json;
}

/**
 * Routes whose JSON answers the OpenAPI document does not describe yet (`METHOD /path/{param}`).
 * Each entry is a gap to close, not a place to add routes: the list only shrinks.
 */
export const UNDOCUMENTED_RESPONSES: ReadonlySet<string> = new Set<string>([]);

/**
 * The document's schemas as JSON Schema, made closed: a property the document does not name is a
 * contract break. `nullable` (OpenAPI 3.0) becomes "null, or else the schema", so that a nullable
 * reference (`allOf: [$ref]`) takes null too.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === 'nullable') continue;
    copy[key] = key === 'example' || key === 'examples' ? value : closed(value);
  }
  if (copy.properties !== undefined && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return (schema as Json).nullable === true ? { anyOf: [{ type: 'null' }, copy] } : copy;
}

/**
 * Checks answers of the product API (`/api/v1/…`) against the schema an OpenAPI document declares for
 * their route, status and media type, as closed objects: a missing required field, a wrong type or an
 * undeclared field is recorded in `violations`, and so is a status or media type the document gives no
 * schema for (unless UNDOCUMENTED_RESPONSES names the route). Used in-process by the API specs
 * (ResponseContract) and on what the browser receives in the e2e suite.
 */
export class OpenApiAnswers {
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly paths: Record<string, Record<string, Operation>>;
  private readonly sharedResponses: Record<string, DocumentedResponse>;
  /** Each path template as a pattern, those with more literal segments first (`/fixups/review` before `/fixups/{id}`). */
  private readonly templates: { template: string; pattern: RegExp; literals: number }[];
  readonly violations: string[] = [];

  constructor(source: OpenApiDocument) {
    const document = closed(JSON.parse(JSON.stringify(source))) as OpenApiDocument;
    this.ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
    this.paths = document.paths;
    this.sharedResponses = (document.components?.responses ?? {}) as Record<string, DocumentedResponse>;
    this.templates = Object.keys(this.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        literals: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
      }))
      .sort((a, b) => b.literals - a.literals);
  }

  /** The document's path template a concrete path (no query) is an instance of, if any. */
  templateOf(pathname: string): string | undefined {
    return this.templates.find((t) => t.pattern.test(pathname))?.template;
  }

  check(method: string, path: string, status: number, body: unknown, mediaType = 'application/json'): void {
    // The product API; health, metrics and test-only routes are not part of its contract.
    if (status < 200 || !path.startsWith('/api/v1/')) return;
    const route = `${method.toUpperCase()} ${path}`;
    const validate = this.validator(method.toLowerCase(), path, status, mediaType);
    if (validate === undefined) return;
    if (validate === null) {
      if (!UNDOCUMENTED_RESPONSES.has(route))
        this.violations.push(`${route} ${status}: no ${mediaType} schema documented for this status`);
      return;
    }
    if (!validate(body)) {
      const problems = (validate.errors ?? [])
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
      this.violations.push(`${route} ${status}: ${problems.join('; ')}`);
    }
  }

  /** undefined: not an operation of the document (no contract to check); null: no schema for this status. */
  private validator(
    method: string,
    path: string,
    status: number,
    mediaType: string,
  ): ValidateFunction | null | undefined {
    const operation = this.paths[path]?.[method];
    if (operation === undefined) return undefined;
    const key = `${method} ${path} ${status} ${mediaType}`;
    if (!this.validators.has(key)) {
      const declared = operation.responses?.[String(status)];
      // Responses every route shares are references to components.responses.
      const response = declared?.$ref ? this.sharedResponses[declared.$ref.split('/').pop() ?? ''] : declared;
      const schema = response?.content?.[mediaType]?.schema;
      const rewritten =
        schema && JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'));
      this.validators.set(key, rewritten ? this.ajv.compile(rewritten as Json) : null);
    }
    return this.validators.get(key);
  }
}
