import { Injectable } from '@nestjs/common';
import { ConnectorsStatusService } from '../connectors-status/connectors-status.service';
import { SlaService } from '../sla/sla.service';
import type { AlertInputs, SlaRouteView } from './alert-evaluator';
import { AlertsService, type RunAlertOutcome } from './alerts.service';

/**
 * Evaluates the SLA and connector alert rules on a schedule (they do not depend on a reconciliation
 * run: a connector that is down produces no runs at all). Reads only through the owning modules'
 * services: SlaService for route latencies and breach rates, ConnectorsStatusService for health and
 * last complete snapshots.
 */
@Injectable()
export class StatusAlertsService {
  constructor(
    private readonly alerts: AlertsService,
    private readonly sla: SlaService,
    private readonly connectors: ConnectorsStatusService,
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
    return this.alerts.evaluate(`status:${now.toISOString()}`, inputs, now);
  }
}
