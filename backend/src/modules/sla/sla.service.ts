import { Injectable } from '@nestjs/common';
import { compileRule, durationSeconds, type Rule, type RuleOfKind } from '@driftwatch/reconciliation-rules';
import { ident } from '../../clickhouse/sql';
import { RuleCatalogService } from '../reconciliation/rule-catalog.service';
import { SlaRepository } from './sla.repository';

export interface SlaRange {
  from: Date;
  to: Date;
  /** Only routes from or to one of these systems. */
  systems?: readonly string[];
}

export interface RouteSla {
  ruleId: string;
  route: string;
  entity: string;
  field: string;
  fromSystem: string;
  toSystem: string;
  withinSeconds: number;
  severity: string;
  domain: string;
  /** Source events in the range. */
  events: number;
  delivered: number;
  /** Delivered late, or undelivered and already older than the limit. */
  breaches: number;
  /** Undelivered but still within the limit: not judged yet. */
  pending: number;
  /** Share of judged events (events − pending) delivered within the limit; null without judged events. */
  adherencePercent: number | null;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
  /** The rule's open sla_breach findings now (latest breach per key). */
  openBreachFindings: number;
}

export interface FreshnessSla {
  ruleId: string;
  system: string;
  maxAgeSeconds: number;
  lastCompleteAt: string | null;
  ageSeconds: number | null;
  fresh: boolean;
}

export interface SlaReport {
  from: string;
  to: string;
  routes: RouteSla[];
  freshness: FreshnessSla[];
}

type SlaRule = RuleOfKind<'propagation_sla'>;

/** Reports are reused this long for the same window (to the minute) and systems: the dashboard polls. */
const REPORT_TTL_MS = 30_000;
const MAX_CACHED_REPORTS = 100;
const isSla = (rule: Rule): rule is SlaRule => rule.kind === 'propagation_sla';

/**
 * SLA metrics per route from the reconciliation rules themselves: each propagation_sla rule's own
 * latency query (rules package) over the requested window, its open breach findings, and each
 * freshness rule's systems against their last complete snapshot.
 */
@Injectable()
export class SlaService {
  private readonly reports = new Map<string, { at: number; report: Promise<SlaReport> }>();

  constructor(
    private readonly rules: RuleCatalogService,
    private readonly repository: SlaRepository,
  ) {}

  /**
   * The SLA report for a window; the same window (to the minute) and systems within REPORT_TTL_MS
   * get the same report, so a dashboard polling every few seconds does not rerun the route queries.
   */
  report(range: SlaRange): Promise<SlaReport> {
    const minute = (d: Date) => Math.floor(d.getTime() / 60_000);
    const key = `${minute(range.from)}:${minute(range.to)}:${range.systems?.join(',') ?? '*'}`;
    const now = Date.now();
    const cached = this.reports.get(key);
    if (cached && now - cached.at < REPORT_TTL_MS) return cached.report;
    for (const [k, v] of this.reports) if (now - v.at >= REPORT_TTL_MS) this.reports.delete(k);
    if (this.reports.size >= MAX_CACHED_REPORTS) this.reports.clear();
    const report = this.compute(range);
    this.reports.set(key, { at: now, report });
    // A failed computation is not kept.
    report.catch(() => this.reports.delete(key));
    return report;
  }

  private async compute(range: SlaRange): Promise<SlaReport> {
    const set = this.rules.current();
    const enabled = set.rules.filter((r) => r.enabled);
    const inScope = (systems: readonly string[]) => !range.systems || systems.some((s) => range.systems?.includes(s));
    const slaRules = enabled.filter(isSla).filter((r) => inScope([r.spec.from, r.spec.to]));
    const lookback = Math.max(1, Math.ceil((range.to.getTime() - range.from.getTime()) / 1000));
    const [open, latencies, lastComplete] = await Promise.all([
      this.repository.openFindingsByRule(slaRules.map((r) => r.id)),
      Promise.all(
        slaRules.map((rule) => {
          // The rule's own SQL, with its lookback widened or narrowed to the requested window.
          const windowed: SlaRule = { ...rule, spec: { ...rule.spec, lookback } };
          const compiled = compileRule(windowed, {
            ownership: set.ownership,
            sources: {},
            events: ident('entity_events'),
            asOf: range.to,
          });
          if (!compiled.latency) throw new Error(`rule ${rule.id} compiled without a latency query`);
          return this.repository.routeLatency(compiled.latency);
        }),
      ),
      this.repository.lastCompleteBySystem(),
    ]);
    const routes = slaRules.map((rule, i): RouteSla => {
      const l = latencies[i] ?? {
        events: 0,
        delivered: 0,
        breaches: 0,
        pending: 0,
        p50Seconds: null,
        p95Seconds: null,
        maxSeconds: null,
      };
      const judged = l.events - l.pending;
      return {
        ruleId: rule.id,
        route: rule.spec.route,
        entity: rule.spec.entity,
        field: rule.spec.field,
        fromSystem: rule.spec.from,
        toSystem: rule.spec.to,
        withinSeconds: durationSeconds(rule.spec.within),
        severity: rule.severity,
        domain: rule.domain,
        ...l,
        adherencePercent: judged > 0 ? round(((judged - l.breaches) / judged) * 100) : null,
        openBreachFindings: open.get(rule.id) ?? 0,
      };
    });
    const now = Date.now();
    const freshness = enabled.flatMap((rule) =>
      rule.kind !== 'freshness'
        ? []
        : rule.spec.systems
            .filter((system) => inScope([system]))
            .map((system): FreshnessSla => {
              const last = lastComplete.get(system) ?? null;
              const maxAgeSeconds = durationSeconds(rule.spec.max_age);
              const ageSeconds = last ? Math.max(0, Math.round((now - last.getTime()) / 1000)) : null;
              return {
                ruleId: rule.id,
                system,
                maxAgeSeconds,
                lastCompleteAt: last ? last.toISOString() : null,
                ageSeconds,
                fresh: ageSeconds !== null && ageSeconds <= maxAgeSeconds,
              };
            }),
    );
    return { from: range.from.toISOString(), to: range.to.toISOString(), routes, freshness };
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;
