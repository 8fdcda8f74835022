import { Injectable } from '@nestjs/common';
import { ConnectorsStatusService } from '../connectors-status/connectors-status.service';
import { FixupsService } from '../fixups/fixups.service';
import { SlaService } from '../sla/sla.service';
import type { AlertInputs, SlaRouteView } from './alert-evaluator';
import { AlertsService, type RunAlertOutcome } from './alerts.service';

/**
 * Evaluates the SLA, connector and fix-up alert rules on a schedule (they do not depend on a reconciliation
 * run: a connector that is down produces no runs at all). Reads only through the owning modules'
 * services: SlaService for route latencies and breach rates, ConnectorsStatusService for health and
 * last complete snapshots, FixupsService for dead letters and tasks left waiting for a person.
 */
@Injectable()
export class StatusAlertsService {
  constructor(
    private readonly alerts: AlertsService,
    private readonly sla: SlaService,
    private readonly connectors: ConnectorsStatusService,
    private readonly fixups: FixupsService,
  ) {}

  async evaluate(now = new Date()): Promise<RunAlertOutcome> {
    const rules = this.alerts.alertRules();
    const windows = [...new Set(rules.flatMap((r) => (r.sla ? [r.sla.windowMinutes] : [])))];
    const inputs: AlertInputs = {};
    if (windows.length > 0) {
      const reports = await Promise.all(
        windows.map((minutes) => this.sla.report({ from: new Date(now.getTime() - minutes * 60_000), to: now })),
      );
      inputs.slaByWindow = new Map<number, SlaRouteView[]>(
        windows.map((minutes, i) => [minutes, reports[i]?.routes ?? []]),
      );
    }
    if (rules.some((r) => r.connector)) inputs.connectors = await this.connectors.list();
    const waitLimits = [...new Set(rules.flatMap((r) => (r.fixups ? [r.fixups.waitingLongerThanMinutes ?? 0] : [])))];
    if (waitLimits.length > 0) {
      const backlogs = await Promise.all(
        waitLimits.map((minutes) =>
          this.fixups.backlog(minutes > 0 ? new Date(now.getTime() - minutes * 60_000) : null),
        ),
      );
      inputs.fixupsByWaitLimit = new Map(waitLimits.map((minutes, i) => [minutes, backlogs[i] ?? []]));
    }
    return this.alerts.evaluate(`status:${now.toISOString()}`, inputs, now);
  }
}
