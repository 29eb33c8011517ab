// `flysim up`: runs the platform for an app in the foreground until Ctrl-C or `flysim down`,
// serving the control API the other commands talk to.

import { FlysimError } from '../errors.js';
import { loadAppConfig, type LoadedApp } from './app-config-loader.js';
import {
  describeFlags,
  flagBoolean,
  flagString,
  parseArgs,
  parseSpeed,
  usageError,
  type FlagSpec,
} from './args.js';
import { findPlatform } from './connect.js';
import { EXIT, type CliContext } from './context.js';
import type { StatusView } from './control-api.js';
import { npmCaFile } from './npm-ca.js';
import { createPlatform, runIdFromEnv, type RunningPlatform } from './platform-runner.js';
import { resolveStateDir } from './state-file.js';
import { CONFIG_FLAG } from './talk-commands.js';

export const SPEED_FLAG: FlagSpec = {
  name: 'speed',
  kind: 'string',
  value: 'N',
  help: 'run platform timers N times faster (grace periods, intervals, pauses); default 1',
};
export const SERVICE_FLAGS: FlagSpec[] = [
  { name: 'postgres', kind: 'boolean', help: 'attach Postgres (sets DATABASE_URL as a secret)' },
  { name: 'redis', kind: 'boolean', help: 'attach Redis (sets REDIS_URL as a secret)' },
  { name: 'no-proxy', kind: 'boolean', help: 'do not start the edge proxy' },
];
const UP_FLAGS = [CONFIG_FLAG, SPEED_FLAG, ...SERVICE_FLAGS];

export const UP_USAGE = `Usage: flysim up [-c PATH] [--speed N] [--postgres] [--redis] [--no-proxy]

Runs the platform for the app in the foreground: a network, the backing services asked for, the
edge proxy, and a control API on 127.0.0.1 for deploy, status, logs, secrets and down.
Ctrl-C removes every container and network of the run.

${describeFlags(UP_FLAGS)}`;

export async function runUp(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, UP_FLAGS, 'up');
  if (args.positionals.length > 0) {
    throw usageError(`unexpected argument "${args.positionals[0] ?? ''}"`, 'use --config PATH');
  }
  const speed = parseSpeed(flagString(args, 'speed'), 1);
  const loaded = await loadAppConfig(ctx, flagString(args, 'config'));
  await refuseSecondPlatform(ctx, loaded);

  const options = {
    ...{ postgres: flagBoolean(args, 'postgres'), redis: flagBoolean(args, 'redis') },
    proxy: !flagBoolean(args, 'no-proxy'),
  };
  return runPlatform(ctx, loaded, speed, options, async () => undefined);
}

export interface ServiceChoice {
  readonly postgres: boolean;
  readonly redis: boolean;
  readonly proxy: boolean;
}

/**
 * Starts the platform, runs `whileUp` once it is up, then waits for Ctrl-C or `down` (unless
 * `whileUp` returns an exit code) and tears everything down.
 */
export async function runPlatform(
  ctx: CliContext,
  loaded: LoadedApp,
  speed: number,
  services: ServiceChoice,
  whileUp: (running: RunningPlatform) => Promise<number | undefined>,
): Promise<number> {
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort(ctx.interrupt.reason);
  ctx.interrupt.addEventListener('abort', onInterrupt, { once: true });
  const running = createPlatform(
    {
      ...{ loaded, speed, ...services, control: true },
      stateDir: resolveStateDir(ctx.env, ctx.cwd, loaded.path),
      buildCaFile: await npmCaFile(ctx.env),
      ...runIdFromEnv(ctx.env),
      onShutdownRequested: () => stop.abort(new Error('flysim down')),
    },
    'up',
  );

  try {
    ctx.stderr.write(`Starting the platform for ${loaded.config.app} (run ${running.runId})\n`);
    await untilAborted(running.open(), stop.signal);
    writeBanner(ctx, await running.host.status(), running);

    const code = await untilAborted(whileUp(running), stop.signal);
    if (code !== undefined) return code;
    await waitForAbort(stop.signal);
    return EXIT.ok;
  } catch (error) {
    if (stop.signal.aborted) return EXIT.ok;
    throw error;
  } finally {
    ctx.interrupt.removeEventListener('abort', onInterrupt);
    ctx.stderr.write(`Tearing down run ${running.runId}: machines, services, network...\n`);
    await running.close();
    ctx.stderr.write('Torn down\n');
  }
}

async function refuseSecondPlatform(ctx: CliContext, loaded: LoadedApp): Promise<void> {
  const existing = await findPlatform(ctx, loaded.path);
  if (existing === undefined) return;

  throw new FlysimError(
    'FLYSIM_CONTROL_ALREADY_RUNNING',
    `a platform for ${existing.state.app} already runs (pid ${existing.state.pid}, ${existing.state.url})`,
    { hint: 'talk to it with `flysim deploy`/`flysim status`, or stop it with `flysim down`' },
  );
}

function writeBanner(ctx: CliContext, status: StatusView, running: RunningPlatform): void {
  const lines = [`Platform for ${status.app} is up (run ${status.runId}, speed ${status.speed})`];
  for (const service of status.services)
    lines.push(`  ${service.kind.padEnd(9)} ${service.hostname}`);
  if (status.proxy.running) {
    lines.push(`  Edge proxy: ${status.proxy.urls.join('  ')}`);
    lines.push(`  Certificate: ${status.proxy.certificatePath ?? '-'}`);
  } else {
    lines.push(`  Edge proxy not running: ${status.proxy.note ?? 'unknown reason'}`);
    lines.push("  (after a deploy, `flysim status --json` lists the machines' published ports)");
  }
  if (running.controlUrl !== undefined) {
    lines.push(`  Control API: ${running.controlUrl} (token in ${running.statePath ?? '-'})`);
  }
  lines.push('Deploy with `flysim deploy`; stop with Ctrl-C or `flysim down`.');
  ctx.stdout.write(`${lines.join('\n')}\n`);
}

/** Resolves with `work`, or rejects as soon as `signal` aborts (the work is left to close()). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
