// `fly deploy` (reference §2.1): verify the config, build, push, record a release, run the
// release command, create machines for new process groups, update the rest with the strategy.
// Resolves to a DeployResult for every deploy, failed ones included; throws only for misuse.

import { readFile } from 'node:fs/promises';
import { ulid } from 'ulid';
import type { AppConfig } from '../config/app-config.js';
import { loadConfigText } from '../config/load.js';
import { formatProblem } from '../config/problem.js';
import { FlysimError } from '../errors.js';
import type { Machine } from '../platform/machine.js';
import type { Platform } from '../platform/platform.js';
import type { Release } from '../platform/releases.js';
import { buildImage, useExistingImage, type BuiltImage } from './build.js';
import { DeployContext } from './deploy-context.js';
import { DEPLOY_ERROR_CODES, deployError } from './deploy-errors.js';
import type { DeployResult } from './deploy-result.js';
import {
  closeRelease,
  failureOf,
  finishDeploy,
  numbered,
  toDeployError,
  updateExisting,
} from './deploy-run.js';
import { explainerFor, NO_EXPLAIN } from './explain.js';
import { describeLaunches, launchGroups, type GroupLaunch } from './first-deploy.js';
import { KEPT_NOTE, pruneDeploymentImages } from './image-retention.js';
import { buildAppMachineConfig, buildReleaseMachineConfig } from './machine-config.js';
import { resolveDeployOptions, type DeployRequest } from './options.js';
import { groupOf, managedMachines, toPlatformConfig } from './platform-config.js';
import { destroyLeftoverReleaseMachines, runReleaseCommand } from './release-command.js';
import { sensitiveEnvWarnings } from './sensitive-env.js';

export type { DeployRequest } from './options.js';

export interface DeployDeps {
  /** The emulated Fly the deploy talks to: machines, releases, secrets, logs, events. */
  readonly platform: Platform;
}

interface Progress {
  release: Release | undefined;
  image: string;
}

export async function deployApp(request: DeployRequest, deps: DeployDeps): Promise<DeployResult> {
  assertRequest(request, deps);
  const ctx = new DeployContext({
    ...{ platform: deps.platform, deployId: ulid(), config: undefined },
    ...{ options: provisionalOptions(request), explain: NO_EXPLAIN, signal: request.signal },
  });
  const progress: Progress = { release: undefined, image: '' };

  try {
    const config = await verify(ctx, request);
    await deploy(ctx, config, request, progress);
  } catch (error) {
    const failure = toDeployError(failureOf(ctx, error, progress.release));
    if (ctx.phase !== 'done') ctx.finishPhase(undefined, true);
    closeRelease(ctx, progress.release, failure);
    return finishDeploy(ctx, progress.release, progress.image, failure);
  }
  closeRelease(ctx, progress.release);
  return finishDeploy(ctx, progress.release, progress.image);
}

async function deploy(
  ctx: DeployContext,
  config: AppConfig,
  request: DeployRequest,
  progress: Progress,
): Promise<void> {
  ctx.checkInterrupted();
  const image = await buildPhase(ctx, config, request);
  progress.image = image.tag;
  await pushPhase(ctx, image);

  // Ctrl-C during the build or the push leaves no release behind.
  ctx.checkInterrupted();
  const release = ctx.platform.releases.create(ctx.app, {
    ...{ image: image.tag, strategy: ctx.options.strategy, reason: 'deploy' },
  });
  progress.release = release;
  ctx.platform.releases.setStatus(ctx.app, release.version, 'running');

  await releaseCommandPhase(ctx, config, request, release, image.tag);
  await machinesPhase(ctx, config, release, image.tag);
}

async function verify(ctx: DeployContext, request: DeployRequest): Promise<AppConfig> {
  ctx.events.append({
    ...{ type: 'deploy.started', app: ctx.app, deployId: ctx.deployId },
    ...{ configPath: request.configPath, strategy: ctx.options.strategy, restartOnly: false },
  });
  ctx.startPhase('verify', '==> Verifying app config');
  const text = await readConfig(request.configPath);
  const report = loadConfigText(text, request.configPath);
  ctx.print(`Validating ${request.configPath}`);
  for (const problem of report.problems.filter((p) => p.severity === 'warning'))
    ctx.print(formatProblem(problem), 'warn');

  const config = report.config;
  if (config === undefined) throw invalidConfig(report.problems.map(formatProblem));
  const options = resolveOrFail(request, config);
  const explain = options.explain ? explainerFor(request.configPath, text) : NO_EXPLAIN;
  ctx.resolve(options, config, explain);

  ctx.print('✓ Configuration is valid');
  for (const warning of sensitiveEnvWarnings({ ...config.env, ...options.env }))
    ctx.print(warning, 'warn');
  ctx.finishPhase('--> Verified app config');
  return config;
}

async function buildPhase(ctx: DeployContext, config: AppConfig, request: DeployRequest) {
  ctx.startPhase('build', '==> Building image');
  const existing = request.image ?? config.build.image;
  const image: BuiltImage =
    existing === undefined
      ? await buildImage(ctx, config, request)
      : await useExistingImage(ctx, existing);
  ctx.finishPhase('--> Building image done');
  return image;
}

async function pushPhase(ctx: DeployContext, image: BuiltImage): Promise<void> {
  ctx.startPhase('push', '==> Pushing image to fly');
  ctx.events.append({
    ...{ type: 'deploy.image_ready', app: ctx.app, deployId: ctx.deployId },
    ...{ image: image.tag, sizeBytes: image.sizeBytes, built: true },
  });
  await pruneOldImages(ctx);
  ctx.finishPhase('--> Pushing image done');
  ctx.print(`image: ${image.tag}`);
  ctx.print(`image size: ${humanSize(image.sizeBytes)}`);
}

/** Housekeeping of flysim's registry, the local engine: it never fails a deploy. */
async function pruneOldImages(ctx: DeployContext): Promise<void> {
  // Deployment tags carry a ULID of the wall time they were made at, so compare with wall time.
  const removed = await pruneDeploymentImages(ctx, Date.now()).catch((error: unknown) => {
    ctx.print(`WARN could not remove older deployment images: ${String(error)}`, 'warn');
    return [];
  });
  if (removed.length === 0) return;

  const count = removed.length;
  ctx.print(`Removed ${count} older deployment images of ${ctx.app} (${KEPT_NOTE})`);
}

async function releaseCommandPhase(
  ctx: DeployContext,
  config: AppConfig,
  request: DeployRequest,
  release: Release,
  image: string,
): Promise<void> {
  await destroyLeftoverReleaseMachines(ctx);
  const command = config.deploy.releaseCommand;
  if (command === undefined || request.skipReleaseCommand === true) return;

  ctx.startPhase('release_command');
  const guests = managedMachines(ctx.platform.machines(ctx.app))
    .filter((machine) => groupOf(machine) === config.defaultProcessGroup)
    .map((machine) => machine.config.memoryMb ?? 256);
  const fly = configOrFail(() =>
    buildReleaseMachineConfig(config, {
      image,
      existingGuests: guests.map((memory_mb) => ({ cpu_kind: 'shared', cpus: 1, memory_mb })),
    }),
  );
  await runReleaseCommand(ctx, command, toPlatformConfig(fly, release, ctx.options.env));
  ctx.finishPhase();
}

async function machinesPhase(
  ctx: DeployContext,
  config: AppConfig,
  release: Release,
  image: string,
): Promise<void> {
  const existing = managedMachines(ctx.platform.machines(ctx.app));
  const configs = new Map(
    config.processGroups.map((group) => [
      group.name,
      toPlatformConfig(
        configOrFail(() => buildAppMachineConfig(config, group.name, { image })),
        release,
        ctx.options.env,
      ),
    ]),
  );
  const stale = existing.filter((machine) => !configs.has(groupOf(machine)));
  const launches: GroupLaunch[] = config.processGroups
    .filter((group) => !existing.some((machine) => groupOf(machine) === group.name))
    .map((group) => ({ group, config: configs.get(group.name) ?? fail(group.name) }));

  if (launches.length > 0 || stale.length > 0)
    await changeGroups(ctx, launches, stale, existing.length === 0);

  const current = existing.filter((machine) => !stale.includes(machine));
  const updates = numbered(
    current.map((machine) => ({
      machine,
      config: configs.get(groupOf(machine)) ?? fail(groupOf(machine)),
    })),
  );
  if (updates.length > 0) await updateExisting(ctx, updates, existing.length === 0);
}

async function changeGroups(
  ctx: DeployContext,
  launches: readonly GroupLaunch[],
  stale: readonly Machine[],
  firstDeploy: boolean,
): Promise<void> {
  ctx.startPhase('create_machines');
  ctx.print(firstDeploy ? 'This deployment will:' : 'Process groups have changed. This will:');
  for (const line of [...destroyBullets(stale), ...describeLaunches(launches)]) ctx.print(line);

  for (const machine of stale) {
    await machine.destroy({ force: true });
    ctx.outcome(machine, 'destroyed');
    ctx.destroyed.push(machine);
  }
  await launchGroups(ctx, launches);
  ctx.finishPhase();
}

function destroyBullets(stale: readonly Machine[]): string[] {
  const counts = new Map<string, number>();
  for (const machine of stale)
    counts.set(groupOf(machine), (counts.get(groupOf(machine)) ?? 0) + 1);
  return [...counts].map(([group, n]) => ` * destroy ${n} "${group}" machine${n === 1 ? '' : 's'}`);
}

async function readConfig(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw deployError(DEPLOY_ERROR_CODES.config, `cannot read ${path}: ${reason}`, {
      cause: error,
      hint: "pass the path of the app's fly.toml with --config",
    });
  }
}

function invalidConfig(problems: readonly string[]) {
  return deployError(
    DEPLOY_ERROR_CODES.config,
    `app config is not valid:\n${problems.join('\n')}`,
    {
      hint: 'fix the errors above, then check with `flysim config validate`',
    },
  );
}

function resolveOrFail(request: DeployRequest, config: AppConfig) {
  try {
    return resolveDeployOptions(request, config);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = error instanceof FlysimError ? error.hint : undefined;
    throw deployError(DEPLOY_ERROR_CODES.options, reason, { cause: error, hint });
  }
}

function configOrFail<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = error instanceof FlysimError ? error.hint : undefined;
    throw deployError(DEPLOY_ERROR_CODES.config, reason, { cause: error, hint });
  }
}

function provisionalOptions(request: DeployRequest) {
  return {
    ...{ app: request.app ?? '', strategy: request.strategy ?? 'rolling', maxUnavailable: 0.33 },
    ...{ waitTimeoutMs: 300_000, releaseCommandTimeoutMs: 300_000, env: {} },
    ...{ smokeChecks: true, detach: false, explain: false },
  } as const;
}

function assertRequest(request: DeployRequest, deps: DeployDeps): void {
  if (typeof request.configPath === 'string' && request.configPath !== '' && deps.platform) return;
  throw new FlysimError(
    'FLYSIM_DEPLOY_MISUSE',
    `deployApp needs request.configPath (a fly.toml path) and deps.platform; got configPath \`${String(request.configPath)}\``,
    { hint: 'pass { configPath } and { platform }' },
  );
}

function fail(group: string): never {
  throw new FlysimError('FLYSIM_DEPLOY_MISUSE', `no machine config for process group '${group}'`);
}

/** flyctl's humanized size (`119 MB`); `unknown` when the runtime does not report sizes. */
export function humanSize(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown (the runtime does not report image sizes)';
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Math.round(value)} ${units[unit] ?? 'B'}`;
}
