/**
 * Parses one YAML file and validates it against a zod schema, reporting every problem with the file,
 * line, column and field path it belongs to (the `yaml` document API keeps source positions).
 */
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

export interface SourceProblem {
  file: string;
  /** 1-based; 0 when the position is unknown. */
  line: number;
  column: number;
  /** Dotted path of the offending field, '' for the whole document. */
  field: string;
  message: string;
}

export class RuleFileError extends Error {
  constructor(readonly problems: readonly SourceProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'RuleFileError';
  }
}

export function formatProblem(problem: SourceProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  return `${where}: ${problem.field ? `${problem.field}: ` : ''}${problem.message}`;
}

export type Locate = (path: readonly PropertyKey[]) => { line: number; column: number };
export type Parsed<T> = { ok: true; value: T; locate: Locate } | { ok: false; problems: SourceProblem[] };

/** Finds the deepest node that exists along `path` so a missing field points at its parent. */
function positionOf(
  document: Document,
  path: readonly PropertyKey[],
  counter: LineCounter,
): { line: number; col: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const keys = path.slice(0, depth).map((k) => (typeof k === 'symbol' ? String(k) : k));
    const node: unknown = depth === 0 ? document.contents : document.getIn(keys, true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]);
  }
  return { line: 0, col: 0 };
}

export function parseYamlAgainst<S extends z.ZodType>(text: string, file: string, schema: S): Parsed<z.output<S>> {
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const pos = counter.linePos(error.pos[0]);
        return { file, line: pos.line, column: pos.col, field: '', message: error.message };
      }),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml library refuses alias bombs (and unresolvable aliases) while converting, with a
    // ReferenceError: a problem with the text like any other, not a failure of the caller.
    if (!(error instanceof ReferenceError)) throw error;
    return { ok: false, problems: [{ file, line: 0, column: 0, field: '', message: error.message }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, problems: [{ file, line: 1, column: 1, field: '', message: 'the file is empty' }] };
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => {
        const pos = positionOf(document, issue.path, counter);
        return {
          file,
          line: pos.line,
          column: pos.col,
          field: issue.path.map(String).join('.'),
          message: issue.message,
        };
      }),
    };
  }
  const locate: Locate = (path) => {
    const pos = positionOf(document, path, counter);
    return { line: pos.line, column: pos.col };
  };
  return { ok: true, value: result.data, locate };
}
