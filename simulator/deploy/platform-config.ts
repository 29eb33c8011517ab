// The Machines API config flyctl builds (fly-machine-config.ts) handed to flysim's platform, which
// takes only what it emulates. Also which of an app's machines a deploy manages.

import type {
  MachineCheck,
  MachineConfig,
  MachineService,
  RestartPolicyName,
} from '../platform/machine-config.js';
import type { Machine } from '../platform/machine.js';
import { SIGNALS, type Signal } from '../runtime/container-runtime.js';
import {
  CONSOLE_GROUP,
  FLY_PLATFORM_VERSION,
  RELEASE_COMMAND_GROUP,
  TEST_MACHINE_GROUP,
  type FlyMachineConfig,
  type FlyMachineService,
  type FlyMachineServiceCheck,
} from './fly-machine-config.js';

export interface ReleaseRef {
  readonly version: number;
  readonly id: string;
}

/** Variables flyctl sets on top of `[env]` and `-e`, which those cannot override. */
const FLYCTL_ENV = ['FLY_PROCESS_GROUP', 'PRIMARY_REGION', 'RELEASE_COMMAND'] as const;

export function toPlatformConfig(
  fly: FlyMachineConfig,
  release: ReleaseRef,
  extraEnv: Readonly<Record<string, string>> = {},
): MachineConfig {
  const metadata = fly.metadata ?? {};
  return {
    image: fly.image ?? '',
    env: mergeEnv(fly.env ?? {}, extraEnv),
    ...(fly.init?.cmd ? { cmd: fly.init.cmd } : {}),
    ...(fly.init?.entrypoint ? { entrypoint: fly.init.entrypoint } : {}),
    services: (fly.services ?? []).map(toService),
    checks: Object.fromEntries(
      Object.entries(fly.checks ?? {}).map(([name, check]) => [name, toCheck(check)]),
    ),
    ...(fly.restart ? { restart: restartOf(fly.restart) } : {}),
    ...stopOf(fly),
    metadata: {
      ...metadata,
      processGroup: metadata.fly_process_group,
      releaseVersion: release.version,
      releaseId: release.id,
    },
    ...(fly.guest ? { memoryMb: fly.guest.memory_mb } : {}),
    ...(fly.auto_destroy === true ? { autoDestroy: true } : {}),
  };
}

/** The same machine config pointing at another release (a restart-only deploy). */
export function withRelease(config: MachineConfig, release: ReleaseRef): MachineConfig {
  return {
    ...config,
    metadata: { ...config.metadata, releaseVersion: release.version, releaseId: release.id },
  };
}

/** Machines a deploy manages: the app's Fly Launch (v2) machines, not one-off ones. */
export function managedMachines(machines: readonly Machine[]): Machine[] {
  return machines
    .filter((machine) => machine.state !== 'destroyed' && machine.state !== 'destroying')
    .filter((machine) => machine.config.metadata?.fly_platform_version === FLY_PLATFORM_VERSION)
    .filter((machine) => !ONE_OFF_GROUPS.has(machine.config.metadata?.processGroup ?? ''))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Release-command machines still around (a timed-out one is left for the next deploy). */
export function leftoverReleaseMachines(machines: readonly Machine[]): Machine[] {
  return machines.filter(
    (machine) =>
      machine.config.metadata?.processGroup === RELEASE_COMMAND_GROUP &&
      machine.state !== 'destroyed',
  );
}

export function groupOf(machine: Machine): string {
  return machine.config.metadata?.processGroup ?? 'app';
}

const ONE_OFF_GROUPS = new Set([RELEASE_COMMAND_GROUP, CONSOLE_GROUP, TEST_MACHINE_GROUP]);

function mergeEnv(
  env: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...env, ...extra };
  for (const name of FLYCTL_ENV) {
    const value = env[name];
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}

function toService(service: FlyMachineService): MachineService {
  return {
    protocol: service.protocol === 'udp' ? 'udp' : 'tcp',
    internalPort: service.internal_port,
    ports: (service.ports ?? []).flatMap((port) =>
      port.port === undefined
        ? []
        : [{ port: port.port, handlers: port.handlers ?? [], forceHttps: port.force_https }],
    ),
    checks: (service.checks ?? []).map(toCheck),
  };
}

function toCheck(check: FlyMachineServiceCheck): MachineCheck {
  const headers = Object.fromEntries(
    (check.headers ?? []).map((header) => [header.name, header.values[0] ?? '']),
  );
  return {
    type: check.type,
    ...(check.port === undefined ? {} : { port: check.port }),
    ...(check.interval === undefined ? {} : { intervalMs: check.interval }),
    ...(check.timeout === undefined ? {} : { timeoutMs: check.timeout }),
    ...(check.grace_period === undefined ? {} : { gracePeriodMs: check.grace_period }),
    ...(check.method === undefined ? {} : { method: check.method }),
    ...(check.path === undefined ? {} : { path: check.path }),
    ...(check.protocol === 'https' ? { protocol: 'https' as const } : {}),
    ...(check.tls_skip_verify === true ? { tlsSkipVerify: true } : {}),
    ...(check.tls_server_name === undefined ? {} : { tlsServerName: check.tls_server_name }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
  };
}

function restartOf(restart: NonNullable<FlyMachineConfig['restart']>) {
  const policy: RestartPolicyName = restart.policy;
  return restart.max_retries === undefined
    ? { policy }
    : { policy, maxRetries: restart.max_retries };
}

function stopOf(fly: FlyMachineConfig): Pick<MachineConfig, 'killSignal' | 'killTimeoutMs'> {
  const signal = SIGNALS.find((known): known is Signal => known === fly.stop_config?.signal);
  const timeoutMs = fly.stop_config?.timeout;
  return {
    ...(signal === undefined ? {} : { killSignal: signal }),
    ...(timeoutMs === undefined ? {} : { killTimeoutMs: timeoutMs }),
  };
}
