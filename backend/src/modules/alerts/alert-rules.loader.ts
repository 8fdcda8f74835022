import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { AlertRule, alertRuleFileSchema } from './alert-rule.schema';

export class AlertRulesFileError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Alert rules file ${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AlertRulesFileError';
  }
}

export async function loadAlertRules(file: string): Promise<AlertRule[]> {
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
  const ids = result.data.alerts.map((a) => a.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new AlertRulesFileError(file, [`alert id ${duplicate} is used twice`]);
  return result.data.alerts;
}

/** `alerts[2] (order-latency).sla.aboveSeconds`: the rule's id beside its index, so the YAML is easy to find. */
function where(document: unknown, path: PropertyKey[]): string {
  if (path[0] !== 'alerts' || typeof path[1] !== 'number') return path.map(String).join('.') || '(root)';
  const alerts = (document as { alerts?: unknown[] }).alerts;
  const id = (alerts?.[path[1]] as { id?: unknown } | undefined)?.id;
  const rule = `alerts[${path[1]}]${typeof id === 'string' ? ` (${id})` : ''}`;
  return [rule, ...path.slice(2).map(String)].join('.');
}
