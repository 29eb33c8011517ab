// Starting a platform for an app from the CLI: the shared part of `up`, `simulate` and
// `deploy --once`. The caller owns the result and must close() it, also on Ctrl-C.

import { monotonicFactory } from 'ulid';
import type { Service } from '../config/app-config.js';
import type { ProxyService } from '../platform/proxy/options.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { LoadedApp } from './app-config-loader.js';
import { usageError } from './args.js';
import type { Env } from './context.js';
import { ControlServer } from './control-server.js';
import type { DeployEngine } from './deploy-engine.js';
import { createDeployEngine } from './engine-adapter.js';
import { PlatformHost } from './platform-host.js';
import { newToken, removeControlState, writeControlState } from './state-file.js';

const newRunSuffix = monotonicFactory();

export interface RunnerOptions {
  readonly loaded: LoadedApp;
  readonly stateDir: string;
  /** The host's npm CA bundle for builds (`npmCaFile`). */
  readonly buildCaFile: string | undefined;
  readonly speed: number;
  readonly postgres: boolean;
  readonly redis: boolean;
  readonly proxy: boolean;
  /** Serve the control API and write control.json (not for `deploy --once`). */
  readonly control: boolean;
  readonly onShutdownRequested?: () => void;
  /** The `dev.flysim.run` label value (FLYSIM_RUN_ID). @default `<kind>-<app>-<ulid>` */
  readonly runId?: string;
  /** Injected by tests. */
  readonly runtime?: ContainerRuntime;
  readonly engine?: DeployEngine;
}

export interface RunningPlatform {
  readonly host: PlatformHost;
  readonly runId: string;
  /** Set when the control API runs. */
  readonly controlUrl: string | undefined;
  readonly statePath: string | undefined;
  close(): Promise<void>;
}

/** `up-<app>-<ulid>`, lower case: a Docker label value and network name. */
export function newRunId(kind: string, app: string): string {
  return `${kind}-${app}-${newRunSuffix().toLowerCase()}`;
}

/** The services of every process group, once each, as the edge proxy reads them. */
export function publicServices(loaded: LoadedApp): ProxyService[] {
  const byOrigin = new Map<string, Service>();
  for (const group of loaded.config.processGroups) {
    for (const service of group.services) byOrigin.set(service.origin, service);
  }
  return [...byOrigin.values()];
}

/**
 * Creates the host and starts it; `close` is safe to call at any moment, also while `open` is
 * still running (Ctrl-C during the Postgres start).
 */
export function createPlatform(
  options: RunnerOptions,
  kind: string,
): RunningPlatform & { open(): Promise<void> } {
  const { loaded, stateDir } = options;
  const runId = options.runId ?? newRunId(kind, loaded.config.app);
  const runtime = options.runtime ?? new DockerRuntime();
  const host = new PlatformHost({
    ...{ app: loaded.config.app, configPath: loaded.path, stateDir, runId },
    buildCaFile: options.buildCaFile,
    ...{ primaryRegion: loaded.config.primaryRegion, services: publicServices(loaded) },
    ...{ speed: options.speed, runtime, engine: options.engine ?? createDeployEngine() },
    ...{ postgres: options.postgres, redis: options.redis, proxy: options.proxy },
    ...(options.onShutdownRequested ? { onShutdownRequested: options.onShutdownRequested } : {}),
  });
  const token = newToken();
  const server = options.control ? new ControlServer({ host, token }) : undefined;
  let controlUrl: string | undefined;
  let statePath: string | undefined;
  let closing: Promise<void> | undefined;

  const running = {
    host,
    runId,
    get controlUrl() {
      return controlUrl;
    },
    get statePath() {
      return statePath;
    },
    open: async () => {
      await host.open();
      if (server === undefined) return;
      controlUrl = await server.listen();
      statePath = await writeControlState(stateDir, {
        ...{ url: controlUrl, token, pid: process.pid, app: loaded.config.app },
        ...{ runId, configPath: loaded.path, startedAt: new Date().toISOString() },
      });
    },
    close: () => {
      closing ??= (async () => {
        // The control API first, so no command starts work now; the state file last, so
        // `flysim down` (which waits for it to go) returns once everything is removed.
        await Promise.allSettled([server?.close()]);
        try {
          await host.close();
        } finally {
          await removeControlState(stateDir, runId);
          if (options.runtime === undefined) await runtime.close();
        }
      })();
      return closing;
    },
  };
  return running;
}

/** FLYSIM_RUN_ID names the run (its label), so CI can find and remove what a run created. */
export function runIdFromEnv(env: Env): { runId?: string } {
  const runId = env['FLYSIM_RUN_ID'];
  if (runId === undefined || runId === '') return {};
  if (/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(runId)) return { runId };

  throw usageError(
    `FLYSIM_RUN_ID must be lower-case letters, digits, '.', '_' or '-' (at most 63), got "${runId}"`,
    'unset it to get a generated run id',
  );
}
