// The parts of fly.toml that only shape the machine config flyctl builds (reference §1.10,
// §1.13, §1.15, §3.4): sizes, swap, statics, metrics, files, machine checks, the base config.

import type {
  AppConfig,
  FileSpec,
  MachineCheckSpec,
  MachineConfigSource,
  MetricsConfig,
  ProcessGroup,
  StaticMapping,
  VmConfig,
} from './app-config.js';
import { asArray, asRecord, processesOf } from './groups.js';
import { computeToGuest, type ComputeSpec } from './guest.js';
import type { FlyView } from './schema.js';
import { shellSplit } from './shlex.js';

type Fields = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const words = (value: unknown): readonly string[] | undefined =>
  Array.isArray(value) ? (value as string[]) : undefined;

type AppMachineFields = Pick<
  AppConfig,
  | 'swapSizeMb'
  | 'consoleCommand'
  | 'consoleCommandArgv'
  | 'hostDedicationId'
  | 'statics'
  | 'machineChecks'
  | 'machineConfig'
>;

export function resolveAppMachine(view: FlyView): AppMachineFields {
  const consoleCommand = text(view.console_command);
  const split = consoleCommand === undefined ? undefined : shellSplit(consoleCommand);
  return {
    swapSizeMb: num(view.swap_size_mb),
    consoleCommand,
    consoleCommandArgv: split?.ok === true ? split.words : undefined,
    hostDedicationId: text(view.host_dedication_id),
    statics: asArray(view.statics).map((item) => resolveStatic(asRecord(item))),
    machineChecks: resolveMachineChecks(view.machine_checks, ''),
    machineConfig: machineConfigSource(
      text(view.machine_config) ?? text(asRecord(view.experimental).machine_config),
    ),
  };
}

function resolveStatic(fields: Fields): StaticMapping {
  return {
    guestPath: text(fields.guest_path) ?? '',
    urlPrefix: text(fields.url_prefix) ?? '',
    tigrisBucket: text(fields.tigris_bucket),
    indexDocument: text(fields.index_document),
  };
}

/** `origin` is the owning section's path (`http_service`), or '' for the top level. */
export function resolveMachineChecks(raw: unknown, origin: string): MachineCheckSpec[] {
  const prefix = origin === '' ? 'machine_checks' : `${origin}.machine_checks`;
  return asArray(raw).map((item, i) => {
    const fields = asRecord(item);
    return {
      origin: `${prefix}.${i}`,
      command: words(fields.command),
      image: text(fields.image),
      entrypoint: words(fields.entrypoint),
      killSignal: text(fields.kill_signal),
      killTimeoutMs: num(fields.kill_timeout),
    };
  });
}

// flyctl takes a value that starts with `{` as the machine config itself, else as a file path.
function machineConfigSource(value: string | undefined): MachineConfigSource | undefined {
  if (value === undefined) return undefined;
  if (!value.trimStart().startsWith('{')) return { kind: 'file', path: value };
  try {
    const json: unknown = JSON.parse(value);
    return { kind: 'inline', json: asRecord(json) };
  } catch (error) {
    return { kind: 'invalid', error: error instanceof Error ? error.message : String(error) };
  }
}

export function resolveReleaseCommandVm(
  raw: unknown,
  hostDedicationId: string | undefined,
): VmConfig | undefined {
  if (raw === undefined) return undefined;
  return vmConfig(computeSpec(asRecord(raw)), hostDedicationId);
}

type GroupMachineFields = Pick<ProcessGroup, 'vm' | 'hostDedicationId' | 'metrics' | 'files'>;

export function resolveGroupMachine(
  view: FlyView,
  group: string,
  inGroup: (section: unknown) => boolean,
): GroupMachineFields {
  const compute = groupCompute(view, group, inGroup);
  const spec = compute === undefined ? undefined : computeSpec(compute);
  const hostDedicationId = spec?.hostDedicationId ?? text(view.host_dedication_id);
  const metrics = asArray(view.metrics).find(inGroup);
  return {
    vm: spec === undefined ? undefined : vmConfig(spec, hostDedicationId),
    hostDedicationId,
    metrics: metrics === undefined ? undefined : resolveMetrics(asRecord(metrics)),
    files: asArray(view.files)
      .filter(inGroup)
      .map((file) => resolveFile(asRecord(file))),
  };
}

// flyctl's Flatten: a `[[vm]]` listing the group wins over one without `processes`, which
// applies to every group; among equals the first one counts.
function groupCompute(view: FlyView, group: string, inGroup: (section: unknown) => boolean) {
  const candidates = asArray(view.vm).filter((vm) => processesOf(vm).length === 0 || inGroup(vm));
  const specific = candidates.find((vm) => processesOf(vm).includes(group));
  const chosen = specific ?? candidates[0];
  return chosen === undefined ? undefined : asRecord(chosen);
}

function computeSpec(fields: Fields): ComputeSpec {
  return {
    size: text(fields.size),
    memory: text(fields.memory),
    cpuKind: text(fields.cpu_kind),
    cpus: num(fields.cpus),
    memoryMb: num(fields.memory_mb),
    maxMemoryMb: num(fields.max_memory_mb),
    gpus: num(fields.gpus),
    gpuKind: text(fields.gpu_kind),
    kernelArgs: words(fields.kernel_args),
    hostDedicationId: text(fields.host_dedication_id),
    persistRootfs: text(fields.persist_rootfs),
  };
}

function vmConfig(spec: ComputeSpec, hostDedicationId: string | undefined): VmConfig {
  const result = computeToGuest(spec, hostDedicationId);
  return result.ok
    ? { guest: result.guest, error: undefined }
    : { guest: undefined, error: result.error };
}

function resolveMetrics(fields: Fields): MetricsConfig {
  return { port: num(fields.port), path: text(fields.path), https: fields.https === true };
}

function resolveFile(fields: Fields): FileSpec {
  return {
    guestPath: text(fields.guest_path) ?? '',
    rawValue: text(fields.raw_value),
    localPath: text(fields.local_path),
    secretName: text(fields.secret_name),
  };
}
