// `flysim simulate` (what `npm run simulate` runs after preparing the engine and images): the
// sample app on a platform with Postgres and Redis, generated secrets, a first deploy, the URLs
// and the timeline, then its logs until Ctrl-C. Under CI=true it exits with the deploy's status.

import { randomBytes } from 'node:crypto';
import type { DeployResult } from '../deploy/deploy-result.js';
import { loadAppConfig } from './app-config-loader.js';
import { describeFlags, flagString, parseArgs, parseSpeed, usageError } from './args.js';
import type { CliContext } from './context.js';
import { deployExitCode, localSink } from './deploy-command.js';
import type { RunningPlatform } from './platform-runner.js';
import { isCi, resolvePresentation } from './presentation.js';
import { CONFIG_FLAG } from './talk-commands.js';
import { runPlatform, SPEED_FLAG } from './up-command.js';

const FLAGS = [CONFIG_FLAG, SPEED_FLAG];
/** The sample app refuses keys shorter than 32 characters; 32 random bytes give 64 hex ones. */
const GENERATED_SECRETS = ['SECRET_KEY', 'JWT_SECRET_KEY'] as const;

export const SIMULATE_USAGE = `Usage: flysim simulate [-c PATH] [--speed N]

Runs the sample app (fly.toml in the current directory) as Fly would: Postgres and Redis
attached, SECRET_KEY and JWT_SECRET_KEY generated (never printed), a first deploy (two machines),
its URLs and timeline, then its logs until Ctrl-C, which tears everything down. Under CI=true it
exits after the deploy: 0 when it succeeded, 1 when it failed.

${describeFlags(FLAGS)}`;

export async function runSimulate(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'simulate');
  if (args.positionals.length > 0) {
    throw usageError(`unexpected argument "${args.positionals[0] ?? ''}"`, 'use --config PATH');
  }
  const speed = parseSpeed(flagString(args, 'speed'), 1);
  const loaded = await loadAppConfig(ctx, flagString(args, 'config'));
  const services = { postgres: true, redis: true, proxy: true };

  return runPlatform(ctx, loaded, speed, services, (running) => simulate(ctx, running));
}

async function simulate(ctx: CliContext, running: RunningPlatform): Promise<number | undefined> {
  const { host } = running;
  generateMissingSecrets(running);

  const presentation = resolvePresentation({ json: false, isTTY: ctx.isTTY, env: ctx.env });
  const request = { env: {}, explain: false, presentation };
  const result = await host.deploy(request, localSink(ctx, presentation), ctx.interrupt);

  await writeSummary(ctx, running, result);
  if (isCi(ctx.env) || ctx.interrupt.aborted) return deployExitCode(ctx, result);

  ctx.stdout.write('\nLogs (Ctrl-C tears everything down):\n');
  for await (const line of host.followLogs({ machineId: undefined }, ctx.interrupt)) {
    ctx.stdout.write(`${line}\n`);
  }
  return undefined;
}

/** Generated once per state directory, so later runs keep the same keys (and sessions). */
function generateMissingSecrets({ host }: RunningPlatform): void {
  const store = host.platform.secrets;
  const known = new Set(store.list(host.app).map((secret) => secret.name));
  const values: Record<string, string> = {};
  for (const name of GENERATED_SECRETS) {
    if (!known.has(name)) values[name] = randomBytes(32).toString('hex');
  }
  if (Object.keys(values).length > 0) store.set(host.app, values);
}

async function writeSummary(
  ctx: CliContext,
  { host }: RunningPlatform,
  result: DeployResult,
): Promise<void> {
  const status = await host.status();
  const lines = [
    '',
    `Deploy ${result.status} (release v${result.release.version}, ${result.phase})`,
  ];
  if (status.urls.length > 0) lines.push(`URLs: ${status.urls.join('  ')}`);
  if (!status.proxy.running) lines.push(`Edge proxy not running: ${status.proxy.note ?? '-'}`);
  else lines.push(`Certificate: ${status.proxy.certificatePath ?? '-'}`);

  lines.push('', 'Timeline (wall time per phase):');
  for (const [phase, ms] of Object.entries(result.durations)) {
    lines.push(`  ${phase.padEnd(16)} ${String(Math.round(ms ?? 0)).padStart(7)} ms`);
  }
  for (const machine of result.machines) {
    lines.push(
      `  machine ${machine.id} [${machine.processGroup}] ${machine.outcome}, ${machine.state}`,
    );
  }
  ctx.stdout.write(`${lines.join('\n')}\n`);
}
