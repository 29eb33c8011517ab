import { Router } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '../errors.js';

/** Long enough for any draining scenario, short enough that a stray call cannot pin a machine. */
export const MAX_SLEEP_MS = 60_000;

/** Test-only routes; mounted when DEBUG_ROUTES=1. */
export function createDebugRouter(): Router {
  const router = Router();

  // A request that takes as long as asked: lets tests and proxy scenarios hold one in flight.
  router.get('/debug/sleep', async (req, res) => {
    const sleepMs = parseSleepMs(req.query['ms']);
    await sleep(sleepMs);
    res.json({ sleptMs: sleepMs });
  });

  return router;
}

export function parseSleepMs(raw: unknown): number {
  const sleepMs = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(sleepMs <= MAX_SLEEP_MS)) {
    throw new HttpError(400, `ms must be an integer from 0 to ${MAX_SLEEP_MS}`);
  }
  return sleepMs;
}
