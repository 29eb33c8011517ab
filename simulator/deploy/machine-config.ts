// fly.toml -> the Machines API config flyctl sends: an app machine per process group (reference
// §1.15), the release-command machine (§2.3), the console machine, and the test machine of a
// machine check (§3.4). Pure functions: files are read through the reader passed in.

import type {
  AppConfig,
  FileSpec,
  MachineCheckSpec,
  MachineGuestSpec,
  ProcessGroup,
  Service,
  ServiceCheck,
  ServicePort,
  TopLevelCheck,
} from '../config/app-config.js';
import { DEFAULT_RELEASE_VM_SIZE, presetGuest } from '../config/guest.js';
import { FlysimError } from '../errors.js';
import {
  CONSOLE_GROUP,
  FLY_PLATFORM_VERSION,
  RELEASE_COMMAND_GROUP,
  TEST_MACHINE_GROUP,
  type FlyDnsConfig,
  type FlyMachineCheck,
  type FlyMachineConfig,
  type FlyMachineFile,
  type FlyMachineGuest,
  type FlyMachinePort,
  type FlyMachineService,
  type FlyMachineServiceCheck,
  type FlyStopConfig,
} from './fly-machine-config.js';

/** Written as `fly_flyctl_version` in every machine's metadata. */
export const FLYSIM_CLIENT_VERSION = 'flysim';

export interface MachineConfigOptions {
  /** The deployment image (`registry.fly.io/<app>:deployment-<ULID>`). */
  readonly image?: string;
  /** Reads `[[files]] local_path` (flyctl: relative to the working directory). */
  readonly readLocalFile?: (path: string) => Uint8Array;
}

export interface AppMachineOptions extends MachineConfigOptions {
  /** The machine's current config when updating it: fields fly.toml owns are replaced. */
  readonly existing?: FlyMachineConfig;
  /** Reads `machine_config` when it names a file. */
  readonly readMachineConfigFile?: (path: string) => string;
}

export interface ReleaseMachineOptions extends MachineConfigOptions {
  /** Guests of the default group's machines: the release machine takes the largest. */
  readonly existingGuests?: readonly FlyMachineGuest[];
}

export interface TestMachineOptions {
  /** The machine under test; without one, the check must name its own image. */
  readonly tested?: { readonly config: FlyMachineConfig; readonly privateIp: string };
}

/** flyctl's ToMachineConfig for one process group. */
export function buildAppMachineConfig(
  config: AppConfig,
  groupName: string,
  options: AppMachineOptions = {},
): FlyMachineConfig {
  const group = findGroup(config, groupName);
  const base = machineConfigBase(config, options);

  return {
    ...base,
    image: options.image ?? base.image,
    init: appInit(config, group, base),
    env: { ...group.env },
    guest: group.vm === undefined ? base.guest : guestOf(group.vm, `group '${group.name}'`),
    metadata: { ...base.metadata, ...metadata(group.name) },
    restart: appRestart(group),
    stop_config: stopConfig(config),
    services: nonEmpty(group.services.map(toMachineService)),
    checks: topLevelChecks(group),
    statics: nonEmpty(config.statics.map(toStatic)),
    metrics: group.metrics === undefined ? undefined : toMetrics(group.metrics),
    mounts: nonEmpty(group.mounts.map((m) => ({ name: m.source, path: m.destination }))),
    files: nonEmpty(group.files.map((file) => toMachineFile(file, options))),
  };
}

/** flyctl's ToReleaseMachineConfig: the release command in a throwaway, unrouted machine. */
export function buildReleaseMachineConfig(
  config: AppConfig,
  options: ReleaseMachineOptions = {},
): FlyMachineConfig {
  const cmd = config.deploy.releaseCommandArgv;
  if (cmd === undefined) {
    throw new FlysimError(
      'FLYSIM_DEPLOY_MACHINE_CONFIG',
      `${config.configPath}: no release_command to run`,
      {
        hint: 'set [deploy] release_command, or skip the release machine when it is unset',
      },
    );
  }

  return {
    ...oneOffMachine(config, RELEASE_COMMAND_GROUP, { RELEASE_COMMAND: '1' }),
    image: options.image,
    init: {
      cmd,
      entrypoint: config.experimental.entrypoint,
      swap_size_mb: config.swapSizeMb,
    },
    stop_config: stopConfig(config),
    guest: releaseGuest(config, options.existingGuests ?? []),
    files: nonEmpty(allFiles(config).map((file) => toMachineFile(file, options))),
  };
}

/** flyctl's ToConsoleMachineConfig: a machine that sleeps until `fly console` attaches. */
export function buildConsoleMachineConfig(
  config: AppConfig,
  options: MachineConfigOptions = {},
): FlyMachineConfig {
  return {
    ...oneOffMachine(config, CONSOLE_GROUP, {}),
    image: options.image,
    init: { exec: ['/bin/sleep', 'inf'], swap_size_mb: config.swapSizeMb },
  };
}

/** flyctl's ToTestMachineConfig: runs one machine check's command next to the tested machine. */
export function buildTestMachineConfig(
  config: AppConfig,
  check: MachineCheckSpec,
  options: TestMachineOptions = {},
): FlyMachineConfig {
  const tested = options.tested;
  // flyctl's order: the missing command is reported before the missing image.
  const cmd = testCommand(check);
  const image = testImage(check, tested?.config);
  const base = oneOffMachine(config, TEST_MACHINE_GROUP, {
    ...tested?.config.env,
    FLY_TEST_COMMAND: '1',
  });

  return {
    ...base,
    image,
    init: {
      cmd,
      // flyctl lets [experimental] replace the check's entrypoint even when it sets none (which
      // empties it); flysim follows it only when experimental.entrypoint is set.
      entrypoint:
        config.experimental.entrypoint ?? check.entrypoint ?? tested?.config.init?.entrypoint,
      swap_size_mb: config.swapSizeMb,
    },
    env: { ...base.env, FLY_TEST_MACHINE_IP: tested?.privateIp ?? '' },
    stop_config: testStopConfig(config, check),
  };
}

/** Every machine check of the app: each service's, then the top-level ones. */
export function machineChecksOf(config: AppConfig): MachineCheckSpec[] {
  const services = config.processGroups.flatMap((group) => group.services);
  const unique = [...new Set(services)];
  return [...unique.flatMap((service) => service.machineChecks), ...config.machineChecks];
}

function findGroup(config: AppConfig, name: string): ProcessGroup {
  const group = config.processGroups.find((g) => g.name === name);
  if (group !== undefined) return group;
  const known = config.processGroups.map((g) => g.name).join(', ');
  throw new FlysimError(
    'FLYSIM_DEPLOY_UNKNOWN_GROUP',
    `${config.configPath}: no process group '${name}' (groups: ${known})`,
    { hint: `use one of ${known}, or add '${name}' to [processes]` },
  );
}

function configError(config: AppConfig, message: string, hint: string): FlysimError {
  return new FlysimError(
    'FLYSIM_DEPLOY_MACHINE_CONFIG',
    `${config.configPath}: error creating machine configuration: ${message}`,
    { hint },
  );
}

// flyctl starts from the machine's current config, or from `machine_config` when set.
function machineConfigBase(config: AppConfig, options: AppMachineOptions): FlyMachineConfig {
  const source = config.machineConfig;
  if (source === undefined) return options.existing ?? {};
  if (source.kind === 'inline') return structuredClone(source.json);
  if (source.kind === 'invalid') {
    throw configError(config, `machine_config is not valid JSON: ${source.error}`, 'fix the JSON');
  }

  if (options.readMachineConfigFile === undefined) {
    throw configError(
      config,
      `machine_config file ${source.path} cannot be read here`,
      'pass a reader',
    );
  }
  return parseMachineConfigFile(config, source.path, options.readMachineConfigFile);
}

function parseMachineConfigFile(
  config: AppConfig,
  path: string,
  read: (path: string) => string,
): FlyMachineConfig {
  try {
    const json: unknown = JSON.parse(read(path));
    if (isRecord(json)) return json;
    throw new Error(
      `expected a JSON object, found ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw configError(config, `machine_config ${path}: ${reason}`, 'write a JSON object there');
  }
}

function appInit(config: AppConfig, group: ProcessGroup, base: FlyMachineConfig) {
  return {
    ...base.init,
    cmd: group.cmd,
    entrypoint: config.experimental.entrypoint,
    exec: config.experimental.exec,
    swap_size_mb: config.swapSizeMb,
  };
}

function metadata(group: string): Record<string, string> {
  return {
    fly_flyctl_version: FLYSIM_CLIENT_VERSION,
    fly_platform_version: FLY_PLATFORM_VERSION,
    fly_process_group: group,
  };
}

/** Release, console and test machines: never restarted, destroyed on exit, not in DNS. */
function oneOffMachine(config: AppConfig, group: string, extraEnv: Record<string, string>) {
  const env: Record<string, string> = { ...config.env, ...extraEnv, FLY_PROCESS_GROUP: group };
  if (config.primaryRegion !== undefined && config.primaryRegion !== '') {
    env.PRIMARY_REGION = config.primaryRegion;
  }
  const dns: FlyDnsConfig = { skip_registration: true };
  return {
    env,
    metadata: metadata(group),
    restart: { policy: 'no' as const },
    auto_destroy: true,
    dns,
  };
}

function appRestart(group: ProcessGroup): FlyMachineConfig['restart'] {
  const { restart } = group;
  if (restart.defaulted.includes('policy')) return undefined;
  return restart.defaulted.includes('maxRetries')
    ? { policy: restart.policy }
    : { policy: restart.policy, max_retries: restart.maxRetries };
}

// flyctl sends a stop config only when fly.toml sets kill_signal or kill_timeout.
function stopConfig(config: AppConfig): FlyStopConfig | undefined {
  const signalSet = !config.defaulted.includes('killSignal');
  const timeoutSet = !config.defaulted.includes('killTimeoutMs');
  if (!signalSet && !timeoutSet) return undefined;
  return {
    ...(timeoutSet ? { timeout: config.killTimeoutMs } : {}),
    ...(signalSet ? { signal: config.killSignal } : {}),
  };
}

function guestOf(vm: NonNullable<ProcessGroup['vm']>, owner: string): FlyMachineGuest {
  if (vm.guest !== undefined) return toGuest(vm.guest);
  throw new FlysimError('FLYSIM_DEPLOY_MACHINE_CONFIG', `[[vm]] of ${owner}: ${vm.error ?? ''}`, {
    hint: 'use a size preset such as "shared-cpu-1x" and a memory such as "512mb"',
  });
}

function toGuest(guest: MachineGuestSpec): FlyMachineGuest {
  return {
    cpu_kind: guest.cpuKind,
    cpus: guest.cpus,
    memory_mb: guest.memoryMb,
    max_memory_mb: guest.maxMemoryMb,
    gpus: guest.gpus,
    gpu_kind: guest.gpuKind,
    kernel_args: guest.kernelArgs,
    host_dedication_id: guest.hostDedicationId,
    persist_rootfs: guest.persistRootfs,
  };
}

// release_command_vm; else the largest machine of the default group; else shared-cpu-2x.
function releaseGuest(config: AppConfig, existing: readonly FlyMachineGuest[]): FlyMachineGuest {
  const vm = config.deploy.releaseCommandVm;
  if (vm !== undefined) return guestOf(vm, '[deploy.release_command_vm]');

  const largest = [...existing].sort((a, b) => b.memory_mb - a.memory_mb)[0];
  if (largest !== undefined) return largest;

  const preset = presetGuest(DEFAULT_RELEASE_VM_SIZE);
  if (!preset.ok) throw configError(config, preset.error, 'a flysim bug: the preset must exist');
  const hostDedicationId = config.hostDedicationId;
  return toGuest({
    ...preset.guest,
    ...(hostDedicationId === undefined ? {} : { hostDedicationId }),
  });
}

function toMachineService(service: Service): FlyMachineService {
  const concurrency = service.concurrency;
  const declared = concurrency.defaulted.length < 2 || concurrency.hardLimit !== undefined;
  return {
    protocol: service.protocol,
    internal_port: service.internalPort,
    autostop: service.autoStopMachines,
    autostart: service.autoStartMachines,
    min_machines_running: service.minMachinesRunning,
    ports: nonEmpty(service.ports.map(toMachinePort)),
    concurrency: declared
      ? {
          type: concurrency.defaulted.includes('type') ? undefined : concurrency.type,
          soft_limit: concurrency.defaulted.includes('softLimit')
            ? undefined
            : concurrency.softLimit,
          hard_limit: concurrency.hardLimit,
        }
      : undefined,
    checks: nonEmpty(service.checks.map(toCheck)),
  };
}

function toMachinePort(port: ServicePort): FlyMachinePort {
  const tls = port.tlsOptions;
  return {
    port: port.port,
    start_port: port.startPort,
    end_port: port.endPort,
    handlers: nonEmpty([...port.handlers]),
    force_https: port.forceHttps ? true : undefined,
    tls_options:
      tls === undefined
        ? undefined
        : {
            alpn: tls.alpn,
            versions: tls.versions,
            default_self_signed: tls.defaultSelfSigned ? true : undefined,
          },
  };
}

// Only what fly.toml says: the platform applies its own defaults to the rest.
function toCheck(check: ServiceCheck | TopLevelCheck): FlyMachineServiceCheck {
  const written = <T>(field: ServiceCheck['defaulted'][number], value: T) =>
    check.defaulted.includes(field) ? undefined : value;
  const http = check.http;
  const headers = Object.entries(http?.headers ?? {}).map(([name, value]) => ({
    name,
    values: [value],
  }));
  return {
    type: check.kind,
    interval: written('intervalMs', check.intervalMs),
    timeout: written('timeoutMs', check.timeoutMs),
    grace_period: written('gracePeriodMs', check.gracePeriodMs),
    method: written('method', http?.method),
    path: written('path', http?.path),
    protocol: written('protocol', http?.protocol),
    tls_skip_verify: http?.tlsSkipVerify === true ? true : undefined,
    tls_server_name: http?.tlsServerName,
    headers: nonEmpty(headers),
  };
}

function topLevelChecks(group: ProcessGroup): Record<string, FlyMachineCheck> | undefined {
  if (group.checks.length === 0) return undefined;
  const entries = group.checks.map((check) => {
    if (check.port === undefined) {
      throw new FlysimError(
        'FLYSIM_DEPLOY_MACHINE_CONFIG',
        `Check '${check.name}' for process group '${group.name}' has no port set and the group has no http_service to take it from`,
        { hint: `set port in [checks.${check.name}]` },
      );
    }
    return [check.name, { ...toCheck(check), port: check.port }] as const;
  });
  return Object.fromEntries(entries);
}

function toStatic(mapping: AppConfig['statics'][number]) {
  return {
    guest_path: mapping.guestPath,
    url_prefix: mapping.urlPrefix,
    tigris_bucket: mapping.tigrisBucket,
    index_document: mapping.indexDocument,
  };
}

function toMetrics(metrics: NonNullable<ProcessGroup['metrics']>) {
  return { port: metrics.port, path: metrics.path, https: metrics.https ? true : undefined };
}

// flyctl base64-encodes raw_value and local_path contents (reference §1.13: the docs disagree).
function toMachineFile(file: FileSpec, options: MachineConfigOptions): FlyMachineFile {
  if (file.secretName !== undefined) {
    return { guest_path: file.guestPath, secret_name: file.secretName };
  }
  if (file.localPath !== undefined) {
    return { guest_path: file.guestPath, raw_value: readLocal(file, file.localPath, options) };
  }
  return { guest_path: file.guestPath, raw_value: base64(file.rawValue ?? '') };
}

function readLocal(file: FileSpec, path: string, options: MachineConfigOptions): string {
  try {
    if (options.readLocalFile === undefined) throw new Error('no file reader was given');
    return Buffer.from(options.readLocalFile(path)).toString('base64');
  } catch (error) {
    throw new FlysimError(
      'FLYSIM_DEPLOY_MACHINE_CONFIG',
      `could not read file ${path} for [[files]] guest_path ${file.guestPath}`,
      { cause: error, hint: 'check local_path (relative to the directory flysim runs in)' },
    );
  }
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

// The release machine gets every [[files]] entry, whatever its processes (flyctl's MergedFiles).
function allFiles(config: AppConfig): FileSpec[] {
  const byPath = new Map<string, FileSpec>();
  for (const file of config.processGroups.flatMap((group) => group.files)) {
    byPath.set(file.guestPath, file);
  }
  return [...byPath.values()];
}

function testCommand(check: MachineCheckSpec): readonly string[] {
  if (check.command !== undefined && check.command.length > 0) return check.command;
  throw new FlysimError(
    'FLYSIM_DEPLOY_MACHINE_CONFIG',
    `${check.origin}: missing command for test machine`,
    {
      hint: 'Add a `command` field to the `[[services.machine_checks]]` or `[[http_service.machine_checks]]` section of your fly.toml',
    },
  );
}

function testImage(check: MachineCheckSpec, tested: FlyMachineConfig | undefined): string {
  const image = check.image ?? tested?.image;
  if (image !== undefined && image !== '') return image;
  throw new FlysimError(
    'FLYSIM_DEPLOY_MACHINE_CONFIG',
    `${check.origin}: missing image for test machine`,
    {
      hint: 'Add an `image` field to the `[[services.machine_checks]]` or `[[http_service.machine_checks]]` section of your fly.toml',
    },
  );
}

// A check with its own image uses that image's stop defaults unless it sets kill_*; one that
// reuses the app image falls back to the app's kill_signal / kill_timeout.
function testStopConfig(config: AppConfig, check: MachineCheckSpec): FlyStopConfig {
  const app = stopConfig(config) ?? {};
  const inherit = check.image === undefined;
  const timeout = check.killTimeoutMs ?? (inherit ? app.timeout : undefined);
  const signal = check.killSignal ?? (inherit ? app.signal : undefined);
  return {
    ...(timeout === undefined ? {} : { timeout }),
    ...(signal === undefined ? {} : { signal }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length === 0 ? undefined : items;
}
