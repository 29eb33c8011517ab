import express, { type Express } from 'express';
import { createDebugRouter } from './http/debug.js';
import { handleErrors, notFound } from './http/errors.js';
import { createHealthRouter, type HealthOptions } from './http/health.js';
import type { InFlightRequests } from './http/in-flight.js';
import { recordRequests } from './http/observability.js';
import type { Logger } from './logger.js';
import type { AppMetrics } from './metrics.js';
import { createTareaRouter } from './tareas/routes.js';
import type { TareaService } from './tareas/service.js';

export interface AppParts {
  readonly tareas: TareaService;
  readonly metrics: AppMetrics;
  readonly logger: Logger;
  readonly health: HealthOptions;
  readonly inFlight: InFlightRequests;
  readonly debugRoutes: boolean;
}

/** The express app alone: no listening, no connections opened here. */
export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');

  app.use(parts.inFlight.middleware);
  app.use(recordRequests(parts.metrics, parts.logger));
  app.use(express.json({ limit: '100kb' }));

  app.use(createHealthRouter(parts.health));
  app.get('/metrics', async (_req, res) => {
    res.type(parts.metrics.registry.contentType).send(await parts.metrics.registry.metrics());
  });
  app.use(createTareaRouter(parts.tareas));
  if (parts.debugRoutes) app.use(createDebugRouter());

  app.use(notFound);
  app.use(handleErrors(parts.logger));
  return app;
}
