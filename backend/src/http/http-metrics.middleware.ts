import type { NextFunction, Request, Response } from 'express';
import { Histogram, register } from 'prom-client';

export const HTTP_DURATION_METRIC = 'driftwatch_http_request_duration_seconds';

/** The histogram, registered once per registry (tests clear the global registry between apps). */
function histogram(): Histogram<'method' | 'route' | 'status'> {
  const existing = register.getSingleMetric(HTTP_DURATION_METRIC);
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'HTTP request duration by route template, method and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
}

/**
 * Times every request, including ones rejected before routing (oversized bodies, 404s). The route
 * label is the matched route template, never the raw URL, so label values stay few.
 */
export function httpMetricsMiddleware(): (req: Request, res: Response, next: NextFunction) => void {
  const metric = histogram();
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route as { path?: unknown } | undefined;
      const template = typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metric.observe({ method: req.method, route: template, status: String(res.statusCode) }, seconds);
    });
    next();
  };
}
