import { Injectable } from '@nestjs/common';
import { ENTITY_KINDS, type EntityKind } from '@driftwatch/reconciliation-rules';
import { domainOfEntity } from '../reconciliation/rule-scope';
import { SlaService } from '../sla/sla.service';
import { DashboardRepository, type DailyFlow, type OpenCount, type TrendDimension } from './dashboard.repository';
import { SEVERITIES } from './dashboard-query';
import { RecordCountsRepository, type RecordCount } from './record-counts.repository';

const DUPLICATE_KINDS = ['duplicate', 'duplicate_candidate'];
const DAY_MS = 86_400_000;

export interface OverviewRequest {
  from: Date;
  to: Date;
  systems?: readonly string[];
  top?: number;
}

export interface DriftRate {
  domain: string;
  system: string;
  openFindings: number;
  records: number;
  /** Open findings per 1,000 records; null when the system has no complete full snapshot of those entities. */
  perThousand: number | null;
}

export interface Overview {
  from: string;
  to: string;
  /** Whole UTC days the flow figures (opened, resolved, MTTR, auto-heal, top rules' opened) cover. */
  flowDays: { from: string; to: string };
  systems: string[] | null;
  openTotal: number;
  openBySeverity: { severity: string; open: number }[];
  driftRate: DriftRate[];
  records: RecordCount[];
  flow: { opened: number; reopened: number; resolved: number };
  meanTimeToResolveSeconds: number | null;
  autoHeal: { resolved: number; healedByFixup: number; ratePercent: number | null; fixupsTracked: boolean };
  /** Accepted exceptions now, outside the open figures: an ops leader sees how much is set aside. */
  suppressed: { findings: number; endingWithin7Days: number };
  duplicates: { openFindings: number; records: number; perThousand: number | null };
  sla: {
    ruleId: string;
    route: string;
    entity: string;
    fromSystem: string;
    toSystem: string;
    withinSeconds: number;
    events: number;
    breaches: number;
    adherencePercent: number | null;
    p50Seconds: number | null;
    p95Seconds: number | null;
  }[];
  topRules: { ruleId: string; severity: string; domain: string; open: number; openedInRange: number }[];
}

export interface TrendsRequest {
  from: Date;
  to: Date;
  interval: 'day' | 'week';
  groupBy: TrendDimension;
  systems?: readonly string[];
  domains?: readonly string[];
  severities?: readonly string[];
  ruleIds?: readonly string[];
}

export interface TrendPoint {
  /** First day of the bucket (YYYY-MM-DD, UTC). */
  bucket: string;
  opened: number;
  reopened: number;
  resolved: number;
  /** Active findings at the end of the bucket's last day (or at `to` for the current one). */
  openAtEnd: number;
}

export interface Trends {
  from: string;
  to: string;
  interval: 'day' | 'week';
  groupBy: TrendDimension;
  buckets: string[];
  series: { key: string; points: TrendPoint[] }[];
  total: TrendPoint[];
}

const dayOf = (date: Date): string => date.toISOString().slice(0, 10);
const addDays = (day: string, n: number): string => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const perThousand = (n: number, records: number): number | null =>
  records > 0 ? round((n / records) * 1000, 3) : null;

/** "Ending soon" for suppressions: within a week. */
const SUPPRESSION_ENDING_SOON_MS = 7 * 24 * 3600_000;

/** Monday of the day's ISO week. */
function weekOf(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

/** Overview aggregates and trend series for the dashboard, from the rollups, the snapshot catalog and the SLA rules. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly repository: DashboardRepository,
    private readonly recordCounts: RecordCountsRepository,
    private readonly sla: SlaService,
  ) {}

  async overview(request: OverviewRequest): Promise<Overview> {
    const systems = request.systems;
    const fromDay = dayOf(request.from);
    const toDay = dayOf(request.to);
    const flowStart = new Date(`${fromDay}T00:00:00Z`);
    const flowEnd = new Date(`${addDays(toDay, 1)}T00:00:00Z`);
    const [open, counts, ruleFlows, sla, healed, suppressed] = await Promise.all([
      this.repository.openCounts(systems),
      this.recordCounts.latestFullSnapshotCounts(),
      this.repository.flowByRule({ fromDay, toDay, systems }),
      this.sla.report({ from: request.from, to: request.to, systems }),
      this.repository.healedByFixup(flowStart, flowEnd, systems),
      this.repository.suppressedCounts(new Date(Date.now() + SUPPRESSION_ENDING_SOON_MS), systems),
    ]);
    const records = systems ? counts.filter((c) => systems.includes(c.system)) : counts;
    const flow = ruleFlows.reduce(
      (sum, r) => ({
        opened: sum.opened + r.opened,
        reopened: sum.reopened + r.reopened,
        resolved: sum.resolved + r.resolved,
        resolveSeconds: sum.resolveSeconds + r.resolveSeconds,
      }),
      { opened: 0, reopened: 0, resolved: 0, resolveSeconds: 0 },
    );
    const openTotal = open.reduce((n, c) => n + c.open, 0);
    const duplicateOpen = open.filter((c) => DUPLICATE_KINDS.includes(c.kind)).reduce((n, c) => n + c.open, 0);
    const customerRecords = records.filter((r) => r.entity === 'customer').reduce((n, r) => n + r.records, 0);
    return {
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      flowDays: { from: fromDay, to: toDay },
      systems: systems ? [...systems] : null,
      openTotal,
      openBySeverity: SEVERITIES.map((severity) => ({
        severity,
        open: open.filter((c) => c.severity === severity).reduce((n, c) => n + c.open, 0),
      })),
      driftRate: driftRates(open, records),
      records,
      flow: { opened: flow.opened, reopened: flow.reopened, resolved: flow.resolved },
      meanTimeToResolveSeconds: flow.resolved > 0 ? Math.round(flow.resolveSeconds / flow.resolved) : null,
      autoHeal: {
        resolved: flow.resolved,
        healedByFixup: healed ?? 0,
        ratePercent:
          healed !== null && flow.resolved > 0 ? round((Math.min(healed, flow.resolved) / flow.resolved) * 100) : null,
        fixupsTracked: healed !== null,
      },
      suppressed: { findings: suppressed.findings, endingWithin7Days: suppressed.endingSoon },
      duplicates: {
        openFindings: duplicateOpen,
        records: customerRecords,
        perThousand: perThousand(duplicateOpen, customerRecords),
      },
      sla: sla.routes.map((r) => ({
        ruleId: r.ruleId,
        route: r.route,
        entity: r.entity,
        fromSystem: r.fromSystem,
        toSystem: r.toSystem,
        withinSeconds: r.withinSeconds,
        events: r.events,
        breaches: r.breaches,
        adherencePercent: r.adherencePercent,
        p50Seconds: r.p50Seconds,
        p95Seconds: r.p95Seconds,
      })),
      topRules: topRules(open, ruleFlows, request.top ?? 10),
    };
  }

  async trends(request: TrendsRequest): Promise<Trends> {
    const fromDay = dayOf(request.from);
    const toDay = dayOf(request.to);
    const filter = {
      systems: request.systems,
      domains: request.domains,
      severities: request.severities,
      ruleIds: request.ruleIds,
    };
    const [daily, openNow, netAfterTo] = await Promise.all([
      this.repository.dailyFlow(request.groupBy, { fromDay, toDay, ...filter }),
      this.repository.openNow(request.groupBy, filter),
      this.repository.netAfter(request.groupBy, toDay, filter),
    ]);
    const days: string[] = [];
    for (let day = fromDay; day <= toDay; day = addDays(day, 1)) days.push(day);
    const keys = [...new Set([...openNow.keys(), ...daily.map((d) => d.key)])].sort();
    const byKeyDay = new Map<string, DailyFlow>(daily.map((d) => [`${d.key}\u0000${d.day}`, d]));
    const bucketOf = (day: string) => (request.interval === 'week' ? weekOf(day) : day);
    const buckets = [...new Set(days.map(bucketOf))];

    const series = keys.map((key) => {
      // Walk back from now: open at the end of `to`'s day is today's count minus every later day's net change.
      let openAtEnd = (openNow.get(key) ?? 0) - (netAfterTo.get(key) ?? 0);
      const perDay = new Map<string, { flow: DailyFlow | undefined; openAtEnd: number }>();
      for (let i = days.length - 1; i >= 0; i -= 1) {
        const day = days[i];
        const flow = byKeyDay.get(`${key}\u0000${day}`);
        perDay.set(day, { flow, openAtEnd });
        openAtEnd -= flow?.net ?? 0;
      }
      const points = buckets.map((bucket) => {
        const inBucket = days.filter((d) => bucketOf(d) === bucket);
        const last = inBucket[inBucket.length - 1];
        const point: TrendPoint = {
          bucket,
          opened: 0,
          reopened: 0,
          resolved: 0,
          openAtEnd: perDay.get(last)?.openAtEnd ?? 0,
        };
        for (const day of inBucket) {
          const flow = perDay.get(day)?.flow;
          point.opened += flow?.opened ?? 0;
          point.reopened += flow?.reopened ?? 0;
          point.resolved += flow?.resolved ?? 0;
        }
        return point;
      });
      return { key, points };
    });
    const total = buckets.map((bucket, i) => ({
      bucket,
      opened: series.reduce((n, s) => n + (s.points[i]?.opened ?? 0), 0),
      reopened: series.reduce((n, s) => n + (s.points[i]?.reopened ?? 0), 0),
      resolved: series.reduce((n, s) => n + (s.points[i]?.resolved ?? 0), 0),
      openAtEnd: series.reduce((n, s) => n + (s.points[i]?.openAtEnd ?? 0), 0),
    }));
    return {
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      interval: request.interval,
      groupBy: request.groupBy,
      buckets,
      series,
      total,
    };
  }
}

/**
 * Open findings per 1,000 records for each domain and system. The denominator is the records of the
 * entities involved (the domain's own entities and those its findings are about) in the system's
 * latest complete full snapshots.
 */
function driftRates(open: readonly OpenCount[], records: readonly RecordCount[]): DriftRate[] {
  const groups = new Map<string, { domain: string; system: string; open: number; entities: Set<string> }>();
  const group = (domain: string, system: string) => {
    const key = `${domain}\u0000${system}`;
    let g = groups.get(key);
    if (!g) {
      g = { domain, system, open: 0, entities: new Set() };
      groups.set(key, g);
    }
    return g;
  };
  for (const r of records) {
    if ((ENTITY_KINDS as readonly string[]).includes(r.entity)) {
      group(domainOfEntity(r.entity as EntityKind), r.system).entities.add(r.entity);
    }
  }
  for (const c of open) {
    const g = group(c.domain, c.system);
    g.open += c.open;
    g.entities.add(c.entity);
  }
  return [...groups.values()]
    .map((g) => {
      const total = records
        .filter((r) => r.system === g.system && g.entities.has(r.entity))
        .reduce((n, r) => n + r.records, 0);
      return {
        domain: g.domain,
        system: g.system,
        openFindings: g.open,
        records: total,
        perThousand: perThousand(g.open, total),
      };
    })
    .sort((a, b) => a.domain.localeCompare(b.domain) || a.system.localeCompare(b.system));
}

function topRules(open: readonly OpenCount[], flows: readonly { ruleId: string; opened: number }[], top: number) {
  const rules = new Map<
    string,
    { ruleId: string; severity: string; domain: string; open: number; openedInRange: number }
  >();
  for (const c of open) {
    const r = rules.get(c.ruleId) ?? {
      ruleId: c.ruleId,
      severity: c.severity,
      domain: c.domain,
      open: 0,
      openedInRange: 0,
    };
    r.open += c.open;
    rules.set(c.ruleId, r);
  }
  for (const f of flows) {
    const r = rules.get(f.ruleId);
    if (r) r.openedInRange = f.opened;
  }
  return [...rules.values()]
    .sort((a, b) => b.open - a.open || b.openedInRange - a.openedInRange || a.ruleId.localeCompare(b.ruleId))
    .slice(0, top);
}
