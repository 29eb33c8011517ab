import { Router } from 'express';
import { describeError } from '../errors.js';

/** A dependency `/health/ready` asks about; resolves when reachable, rejects when not. */
export interface ReadinessProbe {
  readonly name: string;
  /** `undefined` when the dependency is optional and not configured. */
  readonly check: (() => Promise<unknown>) | undefined;
}

export interface HealthOptions {
  readonly version: string;
  /** Seconds since the process started. */
  readonly uptimeSeconds: () => number;
  readonly probes: readonly ReadinessProbe[];
  readonly probeTimeoutMs?: number;
}

export type ProbeStatus = 'ok' | 'not configured' | 'unavailable';

export interface ProbeResult {
  readonly status: ProbeStatus;
  readonly error?: string;
}

/** Keeps a hung dependency from holding a health check past Fly's check timeout. */
export const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

export function createHealthRouter(options: HealthOptions): Router {
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({
      status: 'ok',
      timestamp: new Date().toISOString(),
      uptime: Math.round(options.uptimeSeconds() * 1000) / 1000,
      version: options.version,
    });
  });

  router.get('/health/ready', async (_req, res) => {
    const checks = await runProbes(
      options.probes,
      options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    );
    const ready = Object.values(checks).every((check) => check.status !== 'unavailable');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });

  return router;
}

export async function runProbes(
  probes: readonly ReadinessProbe[],
  timeoutMs: number,
): Promise<Record<string, ProbeResult>> {
  const entries = await Promise.all(
    probes.map(async (probe) => [probe.name, await runProbe(probe, timeoutMs)] as const),
  );
  return Object.fromEntries(entries);
}

async function runProbe(probe: ReadinessProbe, timeoutMs: number): Promise<ProbeResult> {
  if (probe.check === undefined) return { status: 'not configured' };

  try {
    await withTimeout(
      probe.check(),
      timeoutMs,
      `${probe.name} did not answer within ${timeoutMs}ms`,
    );
    return { status: 'ok' };
  } catch (error) {
    return { status: 'unavailable', error: describeError(error) };
  }
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });

  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
