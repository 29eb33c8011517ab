// The restart-only deploy of `fly secrets set/unset/deploy` (reference §6): the current release's
// machines restart with their own configs and the app's current secrets. No build, no release
// command; stopped machines are updated but stay stopped. Staging is the secrets store's job.

import { ulid } from 'ulid';
import type { DeployStrategy } from '../config/app-config.js';
import type { Release } from '../platform/releases.js';
import type { DeployDeps } from './deploy-app.js';
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
import { NO_EXPLAIN } from './explain.js';
import { managedMachines, withRelease } from './platform-config.js';

export interface SecretsDeployRequest {
  readonly app: string;
  /** @default the strategy of the current release, else `rolling` */
  readonly strategy?: DeployStrategy;
  /** @default 0.33 */
  readonly maxUnavailable?: number;
  /** A deadline. @default 5 min */
  readonly waitTimeoutMs?: number;
  /** `--detach`: restart without waiting for checks. */
  readonly detach?: boolean;
  readonly smokeChecks?: boolean;
  readonly signal?: AbortSignal;
}

export async function secretsDeploy(
  request: SecretsDeployRequest,
  deps: DeployDeps,
): Promise<DeployResult> {
  const { platform } = deps;
  const current = platform.releases.current(request.app);
  const ctx = new DeployContext({
    ...{ platform, deployId: ulid(), config: undefined, explain: NO_EXPLAIN },
    options: optionsOf(request, current),
    signal: request.signal,
  });
  let release: Release | undefined;

  try {
    ctx.events.append({
      ...{ type: 'deploy.started', app: ctx.app, deployId: ctx.deployId, configPath: undefined },
      ...{ strategy: ctx.options.strategy, restartOnly: true },
    });
    const machines = managedMachines(platform.machines(request.app));
    if (machines.length === 0 || current === undefined) throw noMachines();
    ctx.checkInterrupted();

    release = platform.releases.create(ctx.app, {
      ...{ image: current.image, strategy: ctx.options.strategy, reason: 'secrets' },
    });
    platform.releases.setStatus(ctx.app, release.version, 'running');
    const next = release;
    const updates = numbered(
      machines.map((machine) => ({ machine, config: withRelease(machine.config, next) })),
    );
    await updateExisting(ctx, updates, false);
  } catch (error) {
    const failure = toDeployError(failureOf(ctx, error, release));
    closeRelease(ctx, release, failure);
    return finishDeploy(ctx, release, current?.image ?? '', failure);
  }
  closeRelease(ctx, release);
  return finishDeploy(ctx, release, current.image);
}

function optionsOf(request: SecretsDeployRequest, current: Release | undefined) {
  const strategy = request.strategy ?? (current?.strategy as DeployStrategy | undefined);
  return Object.freeze({
    ...{ app: request.app, strategy: strategy ?? 'rolling' },
    ...{ maxUnavailable: request.maxUnavailable ?? 0.33, releaseCommandTimeoutMs: 0, env: {} },
    ...{ waitTimeoutMs: request.waitTimeoutMs ?? 300_000, explain: false },
    ...{ smokeChecks: request.smokeChecks ?? true, detach: request.detach ?? false },
  });
}

function noMachines() {
  return deployError(DEPLOY_ERROR_CODES.noMachines, 'no machines available to deploy', {
    hint: "'fly secrets deploy' will only work if the app has been deployed and there are machines available\nTry 'fly deploy' first",
  });
}
