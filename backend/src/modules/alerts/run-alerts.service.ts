import { Injectable } from '@nestjs/common';
import { RuleCatalogService } from '../reconciliation/rule-catalog.service';
import { ruleEntity } from '../reconciliation/rule-scope';
import type { FindingGroup } from './alert-evaluator';
import { AlertsService, type RunAlertOutcome } from './alerts.service';
import { FindingGroupsRepository } from './finding-groups.repository';

const firstSentence = (text: string): string => text.split(/(?<=[.;:])\s/)[0]?.replace(/[.;:]$/, '') ?? text;

/** Turns one reconciliation run's findings into finding groups and evaluates the alert rules on them. */
@Injectable()
export class RunAlertsService {
  constructor(
    private readonly alerts: AlertsService,
    private readonly findings: FindingGroupsRepository,
    private readonly catalog: RuleCatalogService,
  ) {}

  async evaluate(runId: string): Promise<RunAlertOutcome | { skipped: string }> {
    const rows = await this.findings.groups(runId);
    if (!rows) return { skipped: `run ${runId} is not a complete reconciliation run` };
    const rules = new Map(this.catalog.load().rules.map((r) => [r.id, r]));
    const examples = await this.findings.examples(rows.filter((r) => r.open > 0).map((r) => r.ruleId));
    const records = await this.findings.recordsByEntity();
    const groups: FindingGroup[] = rows.flatMap((row) => {
      const rule = rules.get(row.ruleId);
      if (!rule) return [];
      return [
        {
          ruleId: row.ruleId,
          title: firstSentence(rule.description),
          domain: rule.domain,
          owner: rule.owner,
          severity: rule.severity,
          counts: { new: row.fresh, open: row.open, resolved: row.resolved },
          recordsChecked: records.get(ruleEntity(rule) ?? '') ?? 0,
          examples: examples
            .filter((e) => e.ruleId === row.ruleId)
            .map((e) => ({
              key: e.matchKey,
              system: e.actualSystem,
              field: e.field,
              kind: e.kind,
              owner: e.ownerSystem,
              expected: e.expectedValue,
              actual: e.actualValue,
            })),
        },
      ];
    });
    return this.alerts.evaluateRun(runId, groups, new Date(), await this.findings.rulesWithActiveFindings());
  }
}
