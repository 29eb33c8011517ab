import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type CacheResult = 'hit' | 'miss' | 'error';

/** One registry per app instance, so tests can build several without name clashes. */
export interface AppMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly cacheLookups: Counter<'kind' | 'result'>;
  readonly websocketClients: Gauge;
}

export function createMetrics(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request to the end of the response, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: 'tareas_cache_lookups_total',
      help: 'Redis cache lookups for tareas, by kind (item or list) and result',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    websocketClients: new Gauge({
      name: 'websocket_clients',
      help: 'WebSocket clients connected to /ws/connect',
      registers: [registry],
    }),
  };
}
