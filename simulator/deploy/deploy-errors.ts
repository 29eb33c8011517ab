// One code per stage of a deploy (STYLE.md §6, §8): callers match on `code`, people read flyctl's
// message, and the hint names the flag or key that changes the outcome.

import { FlysimError, isFlysimError } from '../errors.js';

export const DEPLOY_ERROR_CODES = {
  options: 'FLYSIM_DEPLOY_OPTIONS',
  config: 'FLYSIM_DEPLOY_CONFIG',
  build: 'FLYSIM_DEPLOY_BUILD',
  push: 'FLYSIM_DEPLOY_PUSH',
  releaseCommand: 'FLYSIM_DEPLOY_RELEASE_COMMAND',
  releaseCommandTimeout: 'FLYSIM_DEPLOY_RELEASE_COMMAND_TIMEOUT',
  createMachine: 'FLYSIM_DEPLOY_CREATE_MACHINE',
  updateMachine: 'FLYSIM_DEPLOY_UPDATE_MACHINE',
  waitStarted: 'FLYSIM_DEPLOY_WAIT_STARTED',
  smokeChecks: 'FLYSIM_DEPLOY_SMOKE_CHECKS',
  waitHealthy: 'FLYSIM_DEPLOY_WAIT_HEALTHY',
  bluegreen: 'FLYSIM_DEPLOY_BLUEGREEN',
  noMachines: 'FLYSIM_DEPLOY_NO_MACHINES',
  interrupted: 'FLYSIM_DEPLOY_INTERRUPTED',
} as const;

export type DeployErrorCode = (typeof DEPLOY_ERROR_CODES)[keyof typeof DEPLOY_ERROR_CODES];

export function deployError(
  code: DeployErrorCode,
  message: string,
  options: { hint?: string; cause?: unknown } = {},
): FlysimError {
  return new FlysimError(code, message, options);
}

/** Errors the engine made on purpose keep their code; anything else becomes `fallback`'s. */
export function asDeployError(error: unknown, fallback: DeployErrorCode, prefix = ''): FlysimError {
  if (isFlysimError(error) && error.code.startsWith('FLYSIM_DEPLOY_')) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const hint = isFlysimError(error) ? error.hint : undefined;
  return deployError(fallback, `${prefix}${reason}`, { cause: error, hint });
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

export const WAIT_TIMEOUT_HINT = 'You can try increasing the timeout with the --wait-timeout flag';

/** flyctl's description when a machine never reached `started` (reference §2.7). */
export const NEVER_STARTED_DESCRIPTION =
  'Your machine was created, but never started or exited immediately. This could mean that your app is taking a long time to start,\n' +
  'but it could be indicative of a region issue.\n\n' +
  'Alternatively, your app may have exited immediately due to a startup failure. Check your Dockerfile\n' +
  "to ensure it specifies a valid start command (e.g., check that your 'CMD' or 'ENTRYPOINT' is correct).\n" +
  "You can also try running 'fly logs' to see what happened when the machine tried to start.";
