import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import type { AppMetrics } from '../metrics.js';

/** Probes hit these every few seconds; logging each would bury everything else. */
const QUIET_PATHS = new Set(['/health', '/health/ready', '/metrics']);

/** Counts and times every response by route pattern (not raw path, to bound label values). */
export function recordRequests(metrics: AppMetrics, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();

    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, seconds);

      if (!QUIET_PATHS.has(req.path)) {
        logger.info(`${req.method} ${req.path} ${res.statusCode} ${Math.round(seconds * 1000)}ms`);
      }
    });
    next();
  };
}

/** The matched route pattern, e.g. `/api/v1/tareas/:id`; `unmatched` for 404s. */
export function routeLabel(req: Pick<Request, 'route'>): string {
  const route: unknown = req.route;
  if (typeof route !== 'object' || route === null || !('path' in route)) return 'unmatched';

  return typeof route.path === 'string' ? route.path : 'unmatched';
}
