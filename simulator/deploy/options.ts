// What a caller may ask of a deploy (flyctl's flags), and the one place they are resolved against
// fly.toml into the frozen options the engine runs with (STYLE.md §13).

import type { AppConfig, DeployStrategy } from '../config/app-config.js';
import { FlysimError } from '../errors.js';

export const DEPLOY_STRATEGIES = ['rolling', 'immediate', 'canary', 'bluegreen'] as const;

/** flyctl's `--max-concurrent` default: machines updated at once by `immediate`. */
export const DEFAULT_MAX_CONCURRENT = 8;
/** The smoke-check window after a machine starts (reference §2.7), a pause. */
export const SMOKE_CHECK_WINDOW_MS = 10_000;
/** flyctl polls health every 1-2 s; flysim polls every second, a pause. */
export const HEALTH_POLL_INTERVAL_MS = 1_000;
/** The listen-address check looks for at least this long (or the largest grace period). */
export const LISTEN_CHECK_MIN_WINDOW_MS = 15_000;
/** bluegreen waits this long before cordoning, and again before stopping, the blue machines. */
export const BLUEGREEN_PAUSE_MS = 10_000;

/** `fly deploy` flags; everything is optional and fly.toml fills the rest. */
export interface DeployRequest {
  /** The app's fly.toml; its directory is the build context. */
  readonly configPath: string;
  /** `--app`: overrides `app` in fly.toml. */
  readonly app?: string;
  /** `--strategy`. @default fly.toml's, else `rolling` */
  readonly strategy?: DeployStrategy;
  /** `--max-unavailable`: a fraction (< 1) or a count (>= 1). @default fly.toml's, else 0.33 */
  readonly maxUnavailable?: number;
  /** `--wait-timeout`, a deadline (never scaled by speed). @default fly.toml's, else 5 min */
  readonly waitTimeoutMs?: number;
  /** `--release-command-timeout`, a deadline; 0 waits forever. @default fly.toml's, else 5 min */
  readonly releaseCommandTimeoutMs?: number;
  /** `-e/--env K=V`: merged over `[env]`; flyctl's FLY_PROCESS_GROUP still wins. */
  readonly env?: Readonly<Record<string, string>>;
  /** `--image`: deploy this local image instead of building. */
  readonly image?: string;
  /** `--image-label`: the tag instead of `deployment-<ULID>`. */
  readonly imageLabel?: string;
  /** `--dockerfile`, relative to the app directory. */
  readonly dockerfile?: string;
  /** `--build-arg K=V`, merged over `[build.args]`. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** `--build-target`. */
  readonly buildTarget?: string;
  /**
   * The CA bundle npm trusts on this host (`npm config get cafile`). When the Dockerfile names
   * `.npm-ca.pem`, the bundle is added to the build context under that name, in the context sent
   * to the engine only, so a builder stage can reach the npm registry through a TLS-intercepting
   * proxy. Without it, a Dockerfile that names the file gets an empty one.
   */
  readonly buildCaFile?: string;
  /** `--smoke-checks=false` turns them off. @default true */
  readonly smokeChecks?: boolean;
  /** `--skip-release-command`. @default false */
  readonly skipReleaseCommand?: boolean;
  /** `--detach`: update machines without waiting for state, smoke or health checks. */
  readonly detach?: boolean;
  /** `--explain`: each phase event carries the fly.toml keys and lines behind it. */
  readonly explain?: boolean;
  /** Ctrl-C: the deploy stops waiting and the release is marked `interrupted`. */
  readonly signal?: AbortSignal;
}

export interface ResolvedDeployOptions {
  readonly app: string;
  readonly strategy: DeployStrategy;
  readonly maxUnavailable: number;
  readonly waitTimeoutMs: number;
  /** 0: no limit. */
  readonly releaseCommandTimeoutMs: number;
  readonly env: Readonly<Record<string, string>>;
  readonly smokeChecks: boolean;
  readonly detach: boolean;
  readonly explain: boolean;
}

/** flyctl's options over fly.toml's, validated once; errors name the flag and the fix. */
export function resolveDeployOptions(
  request: Omit<DeployRequest, 'configPath'>,
  config: AppConfig,
): ResolvedDeployOptions {
  const app = request.app ?? config.app;
  if (app === undefined || app === '') throw missingApp(config.configPath);

  const strategy = request.strategy ?? config.deploy.strategy;
  if (!DEPLOY_STRATEGIES.includes(strategy)) throw unsupportedStrategy(String(strategy));
  const maxUnavailable = request.maxUnavailable ?? config.deploy.maxUnavailable;
  if (!(maxUnavailable > 0)) throw badMaxUnavailable(maxUnavailable);

  return Object.freeze({
    ...{ app, strategy, maxUnavailable },
    waitTimeoutMs: positive('--wait-timeout', request.waitTimeoutMs ?? config.deploy.waitTimeoutMs),
    releaseCommandTimeoutMs: Math.max(
      0,
      request.releaseCommandTimeoutMs ?? config.deploy.releaseCommandTimeoutMs,
    ),
    env: Object.freeze({ ...request.env }),
    smokeChecks: request.smokeChecks ?? true,
    detach: request.detach ?? false,
    explain: request.explain ?? false,
  });
}

/** Machines updated at once after the spearhead (reference §2.6 getPoolSize). */
export function poolSize(startedMachines: number, maxUnavailable: number): number {
  if (maxUnavailable >= 1) return Math.floor(maxUnavailable);
  return Math.max(1, Math.ceil(startedMachines * maxUnavailable));
}

function positive(flag: string, ms: number): number {
  if (Number.isFinite(ms) && ms > 0) return ms;
  throw new FlysimError(
    'FLYSIM_DEPLOY_OPTIONS',
    `Expected ${flag} to be a duration above 0, got \`${String(ms)}\` (${typeof ms})`,
    { hint: `pass ${flag} 5m, or remove it to use fly.toml's value` },
  );
}

function missingApp(configPath: string): FlysimError {
  return new FlysimError(
    'FLYSIM_DEPLOY_OPTIONS',
    `the config file ${configPath} does not name an app, and no --app was given`,
    { hint: 'set app = "<name>" in fly.toml, or pass --app <name>' },
  );
}

function unsupportedStrategy(strategy: string): FlysimError {
  return new FlysimError(
    'FLYSIM_DEPLOY_OPTIONS',
    `unsupported deployment strategy '${strategy}'; Apps v2 supports the following strategies: ${DEPLOY_STRATEGIES.join(', ')}`,
    { hint: 'pass --strategy rolling, immediate, canary or bluegreen' },
  );
}

function badMaxUnavailable(value: number): FlysimError {
  return new FlysimError(
    'FLYSIM_DEPLOY_OPTIONS',
    `the value for --max-unavailable must be > 0, got \`${String(value)}\``,
    { hint: 'pass a fraction such as 0.33, or a count such as 1' },
  );
}
