import type { Overview, Trends } from './use-overview';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/** Drift rate rows for a grouped bar chart: one row per domain, one number per system. */
export function driftRateRows(overview: Overview): {
  rows: Record<string, string | number | null>[];
  systems: string[];
} {
  const systems = [...new Set(overview.driftRate.map((d) => d.system))].sort();
  const domains = [...new Set(overview.driftRate.map((d) => d.domain))].sort();
  const rows = domains.map((domain) => {
    const row: Record<string, string | number | null> = { category: domain };
    for (const system of systems) {
      const cell = overview.driftRate.find((d) => d.domain === domain && d.system === system);
      row[system] = cell?.perThousand ?? null;
    }
    return row;
  });
  return { rows, systems };
}

/** Totals over time for the trend chart. */
export function trendRows(trends: Trends): Record<string, string | number>[] {
  return trends.total.map((p) => ({
    bucket: p.bucket,
    opened: p.opened,
    reopened: p.reopened,
    resolved: p.resolved,
    openAtEnd: p.openAtEnd,
  }));
}

/**
 * Open findings at the end of each bucket, one line per series (severity, domain or rule); severities
 * in their rank order, as in the bar chart beside it, rather than the API's alphabetical one.
 */
export function openBySeriesRows(trends: Trends): { rows: Record<string, string | number>[]; keys: string[] } {
  const rank = (key: string) => {
    const at = SEVERITY_ORDER.indexOf(key);
    return at < 0 ? SEVERITY_ORDER.length : at;
  };
  const keys = trends.series.map((s) => s.key).sort((a, b) => rank(a) - rank(b));
  const rows = trends.buckets.map((bucket) => {
    const row: Record<string, string | number> = { bucket };
    for (const s of trends.series) row[s.key] = s.points.find((p) => p.bucket === bucket)?.openAtEnd ?? 0;
    return row;
  });
  return { rows, keys };
}

export function severityRows(overview: Overview) {
  return SEVERITY_ORDER.map((severity) => ({
    severity,
    open: overview.openBySeverity.find((s) => s.severity === severity)?.open ?? 0,
  }));
}
