import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { type AlertRulesFile, alertRuleFileSchema } from './alert-rule.schema';

export class AlertRulesFileError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Alert rules file ${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AlertRulesFileError';
  }
}

/** The alert rules and digests of one file, validated; ids must be unique within each list. */
export async function loadAlertRules(file: string): Promise<AlertRulesFile> {
  let document: unknown;
  try {
    document = parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AlertRulesFileError(file, [error instanceof Error ? error.message : String(error)]);
  }
  const result = alertRuleFileSchema.safeParse(document);
  if (!result.success) {
    throw new AlertRulesFileError(
      file,
      result.error.issues.map((i) => `${where(document, i.path)}: ${i.message}`),
    );
  }
  for (const [list, items] of [
    ['alert', result.data.alerts],
    ['digest', result.data.digests],
  ] as const) {
    const ids = items.map((a) => a.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) throw new AlertRulesFileError(file, [`${list} id ${duplicate} is used twice`]);
  }
  return result.data;
}

/** `alerts[2] (order-latency).sla.aboveSeconds`: the item's id beside its index, so the YAML is easy to find. */
function where(document: unknown, path: PropertyKey[]): string {
  const list = path[0];
  if ((list !== 'alerts' && list !== 'digests') || typeof path[1] !== 'number')
    return path.map(String).join('.') || '(root)';
  const items = (document as Record<string, unknown[] | undefined>)[list];
  const id = (items?.[path[1]] as { id?: unknown } | undefined)?.id;
  const item = `${list}[${path[1]}]${typeof id === 'string' ? ` (${id})` : ''}`;
  return [item, ...path.slice(2).map(String)].join('.');
}
