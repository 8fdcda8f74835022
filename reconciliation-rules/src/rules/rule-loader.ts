/**
 * Loads rule files (`rules/<domain>/*.yaml`). Every file is parsed and validated on its own: a broken
 * file yields problems naming file, line and field, and never stops the others from loading.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { ruleProblems } from './rule-validation';
import { RuleSchema, type Rule } from './rule.schema';
import { parseYamlAgainst, RuleFileError, type Locate, type SourceProblem } from './yaml-document';

export interface LoadedRule {
  rule: Rule;
  file: string;
}

export interface RuleLoadResult {
  rules: LoadedRule[];
  /** One entry per broken file (a file may have several problems). */
  errors: { file: string; problems: SourceProblem[] }[];
}

type Parsed = { rule: Rule; locate: Locate } | { problems: SourceProblem[] };

function parseLocated(text: string, file: string): Parsed {
  const parsed = parseYamlAgainst(text, file, RuleSchema);
  if (!parsed.ok) return { problems: parsed.problems };
  const problems = ruleProblems(parsed.value).map(({ path, message }) => ({
    file,
    ...parsed.locate(path),
    field: path.join('.'),
    message,
  }));
  return problems.length > 0 ? { problems } : { rule: parsed.value, locate: parsed.locate };
}

/** Parses and validates one rule file's text. */
export function parseRule(text: string, file: string): { rule: Rule } | { problems: SourceProblem[] } {
  const parsed = parseLocated(text, file);
  return 'problems' in parsed ? parsed : { rule: parsed.rule };
}

/** Parses one rule's text or throws a RuleFileError listing every problem. */
export function parseRuleOrThrow(text: string, file: string): Rule {
  const result = parseRule(text, file);
  if ('problems' in result) throw new RuleFileError(result.problems);
  return result.rule;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry.name) ? [path] : [];
    });
}

/** Loads every `*.yaml` under `dir`; rule ids must be unique and match the domain folder they sit in. */
export function loadRules(dir: string): RuleLoadResult {
  const result: RuleLoadResult = { rules: [], errors: [] };
  if (!statSync(dir).isDirectory()) throw new Error(`rules directory ${dir} is not a directory`);
  const seen = new Map<string, string>();
  for (const path of yamlFiles(dir)) {
    const file = relative(process.cwd(), path) || path;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.errors.push({ file, problems: [{ file, line: 0, column: 0, field: '', message }] });
      continue;
    }
    const parsed = parseLocated(text, file);
    if ('problems' in parsed) {
      result.errors.push({ file, problems: parsed.problems });
      continue;
    }
    const { rule, locate } = parsed;
    const folder = basename(dirname(path));
    const problems: SourceProblem[] = [];
    const first = seen.get(rule.id);
    if (first)
      problems.push({
        file,
        ...locate(['id']),
        field: 'id',
        message: `duplicate rule id ${rule.id} (also in ${first})`,
      });
    if (dirname(path) !== dir && folder !== rule.domain) {
      problems.push({
        file,
        ...locate(['domain']),
        field: 'domain',
        message: `domain ${rule.domain} but the file sits in ${folder}/`,
      });
    }
    if (problems.length > 0) {
      result.errors.push({ file, problems });
      continue;
    }
    seen.set(rule.id, file);
    result.rules.push({ rule, file });
  }
  return result;
}
