// flyctl's per-machine waits (reference §2.7): state `started` within wait_timeout, the smoke
// checks' 10 s window, every configured check passing within wait_timeout.

import { resolveChecks } from '../platform/machine-config.js';
import type { Machine } from '../platform/machine.js';
import { machineLabel, type DeployContext, type StatusSlot } from './deploy-context.js';
import {
  DEPLOY_ERROR_CODES,
  deployError,
  NEVER_STARTED_DESCRIPTION,
  WAIT_TIMEOUT_HINT,
} from './deploy-errors.js';
import { HEALTH_POLL_INTERVAL_MS, SMOKE_CHECK_WINDOW_MS } from './options.js';

/** Log lines shown with a failed smoke check or release command. */
const LOG_TAIL_LINES = 100;

/** Resolves when `machine` is `started`; throws flyctl's timeout error after wait_timeout. */
export async function waitStarted(ctx: DeployContext, machine: Machine): Promise<void> {
  if (machine.state === 'started') return;

  const reached = await withDeadline(ctx, ctx.options.waitTimeoutMs, (signal) =>
    machine.waitForState(['started'], signal),
  );
  if (reached !== undefined) return;
  throw deployError(
    DEPLOY_ERROR_CODES.waitStarted,
    `timeout reached waiting for machine's state to change\n\n${NEVER_STARTED_DESCRIPTION}`,
    {
      hint: `You can try deploying to a different region,\nor you can try increasing the timeout with the --wait-timeout flag`,
    },
  );
}

/**
 * flyctl's smoke checks: passes once the machine has been up for the 10 s window since its last
 * start (a pause: scaled by --speed) without exiting; fails when it crash-loops (an unrequested
 * non-zero exit after more than one restart). Measuring uptime rather than a fixed window keeps a
 * crash loop visible at any speed, since containers restart at their real pace. Bounded by
 * wait_timeout (a deadline).
 */
export async function smokeCheck(
  ctx: DeployContext,
  machine: Machine,
  sinceSeq: number,
): Promise<void> {
  const passed = await withDeadline(ctx, ctx.options.waitTimeoutMs, async (signal) => {
    for (;;) {
      if (crashLoopSince(ctx, machine.id, sinceSeq)) return false;
      const remainingMs = SMOKE_CHECK_WINDOW_MS - uptimeMs(ctx, machine, sinceSeq);
      if (machine.state === 'started' && remainingMs <= 0) return true;
      await untilExitOr(ctx, machine, Math.max(remainingMs, 100), signal);
    }
  });
  if (passed !== true) throw smokeFailed(ctx, machine, sinceSeq);
}

/** Platform ms the current container has run, 0 when none runs. */
function uptimeMs(ctx: DeployContext, machine: Machine, sinceSeq: number): number {
  const moves = ctx.events.query({ type: 'machine.state_changed', machineId: machine.id });
  const lastStart = moves.filter((e) => e.seq > sinceSeq && e.to === 'started').at(-1);
  if (lastStart === undefined || machine.state !== 'started') return 0;
  return ctx.clock.now() - lastStart.platformTime;
}

async function untilExitOr(ctx: DeployContext, machine: Machine, ms: number, signal: AbortSignal) {
  const done = new AbortController();
  const both = AbortSignal.any([done.signal, signal]);
  const exited = ctx.events.next({ type: 'machine.exited', machineId: machine.id }, both);
  const started = ctx.events.next(
    { type: 'machine.state_changed', machineId: machine.id },
    both,
    (event) => event.to === 'started',
  );
  const slept = ctx.clock.sleep(ms, both, 'pause');
  await Promise.race([exited, started, slept]).catch(() => undefined);
  done.abort();
  await Promise.allSettled([exited, started, slept]);
  // The deadline or Ctrl-C: every wait above now settles at once, so the caller's loop would spin
  // on microtasks forever, starving the event loop (and with it the teardown).
  signal.throwIfAborted();
}

/** Waits until every check of the machine's config passes; prints `p/t` as it changes. */
export async function waitHealthy(
  ctx: DeployContext,
  machine: Machine,
  lineKey: string,
  slot: StatusSlot | undefined,
): Promise<void> {
  const total = resolveChecks(machine.config).length;
  if (total === 0) return;

  const label = machineLabel(machine);
  let shown = -1;
  const passing = (): number =>
    ctx.platform.health.checks(machine.id).filter((check) => check.status === 'passing').length;
  const poll = async (signal: AbortSignal): Promise<true> => {
    for (;;) {
      const count = passing();
      if (count !== shown) {
        shown = count;
        ctx.status(
          lineKey,
          'running',
          `Waiting for ${label} to become healthy: ${count}/${total}`,
          slot,
          machine.id,
        );
      }
      if (count === total) return true;
      await ctx.clock.sleep(HEALTH_POLL_INTERVAL_MS, signal, 'pause');
    }
  };

  if ((await withDeadline(ctx, ctx.options.waitTimeoutMs, poll)) === true) return;
  throw deployError(
    DEPLOY_ERROR_CODES.waitHealthy,
    `timeout reached waiting for health checks to pass for machine ${machine.id}: context deadline exceeded`,
    { hint: WAIT_TIMEOUT_HINT.replace('try increasing', 'increase') },
  );
}

/** The last log lines of a machine as flyctl quotes them: `<RFC3339 time> <message>`. */
export function lastLogLines(ctx: DeployContext, machineId: string, since?: number): string[] {
  return ctx.platform.logs
    .query({ app: ctx.app, machineId, since, limit: LOG_TAIL_LINES })
    .map((entry) => `${new Date(entry.platformTime).toISOString()} ${entry.message.trimStart()}`);
}

/**
 * Runs `work` until it resolves or `timeoutMs` (a deadline: never scaled by --speed) passes;
 * resolves to undefined on timeout. The caller's interrupt rethrows.
 */
export async function withDeadline<T>(
  ctx: DeployContext,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  const done = new AbortController();
  const signal = linked(done.signal, ctx.signal);
  const timedOut = Symbol('timeout');
  const deadline =
    timeoutMs > 0
      ? ctx.clock.sleep(timeoutMs, signal, 'deadline').then(
          () => timedOut,
          () => timedOut,
        )
      : new Promise<typeof timedOut>(() => undefined);
  try {
    const result = await Promise.race([work(signal), deadline]);
    ctx.checkInterrupted();
    return result === timedOut ? undefined : (result as T);
  } finally {
    done.abort();
  }
}

function crashLoopSince(ctx: DeployContext, machineId: string, sinceSeq: number): boolean {
  return ctx.events
    .query({ type: 'machine.exited', machineId })
    .some(
      (exit) =>
        exit.seq > sinceSeq && !exit.requestedStop && exit.exitCode !== 0 && exit.restartCount > 1,
    );
}

function smokeFailed(ctx: DeployContext, machine: Machine, sinceSeq: number) {
  const since = ctx.events.query({ machineId: machine.id }).find((e) => e.seq > sinceSeq);
  const lines = lastLogLines(ctx, machine.id, since?.platformTime);
  return deployError(
    DEPLOY_ERROR_CODES.smokeChecks,
    `smoke checks for ${machine.id} failed: the app appears to be crashing`,
    {
      hint:
        `Smoke checks for ${machine.id} failed: the app appears to be crashing\n` +
        `Check its logs: here's the last lines below, or run 'fly logs -i ${machine.id}':\n` +
        lines.join('\n'),
    },
  );
}

function linked(own: AbortSignal, outer: AbortSignal | undefined): AbortSignal {
  return outer === undefined ? own : AbortSignal.any([own, outer]);
}
