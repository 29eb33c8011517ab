// Machine sizes (reference §1.10): the presets, `memory` parsed as flyctl parses it (docker's
// RAMInBytes: binary units, a bare number is MB), and a `[[vm]]` section turned into a guest.

import type { MachineGuestSpec } from './app-config.js';

/** The `[[vm]]` keys that shape a guest, as read from the file (camelCase, units in names). */
export interface ComputeSpec {
  readonly size: string | undefined;
  readonly memory: string | undefined;
  readonly cpuKind: string | undefined;
  readonly cpus: number | undefined;
  readonly memoryMb: number | undefined;
  readonly maxMemoryMb: number | undefined;
  readonly gpus: number | undefined;
  readonly gpuKind: string | undefined;
  readonly kernelArgs: readonly string[] | undefined;
  readonly hostDedicationId: string | undefined;
  readonly persistRootfs: string | undefined;
}

export type GuestResult =
  | { readonly ok: true; readonly guest: MachineGuestSpec }
  | { readonly ok: false; readonly error: string };

/** What a machine gets when fly.toml has no `[[vm]]` for its group. */
export const DEFAULT_VM_SIZE = 'shared-cpu-1x';
/** What a `[[vm]]` with a `gpu_kind` and no `size` starts from. */
export const DEFAULT_GPU_VM_SIZE = 'performance-8x';
/** The release machine of a new app, when nothing else sets its size (reference §2.3). */
export const DEFAULT_RELEASE_VM_SIZE = 'shared-cpu-2x';

const SHARED_MB_PER_CPU = 256;
const PERFORMANCE_MB_PER_CPU = 2048;
const GPU_PRESET_MB = 32_768;

type Preset = Pick<MachineGuestSpec, 'cpuKind' | 'cpus' | 'memoryMb' | 'gpus' | 'gpuKind'>;

const GPU_KINDS: Readonly<Record<string, string>> = {
  a10: 'a10',
  l40s: 'l40s',
  'a100-40gb': 'a100-pcie-40gb',
  'a100-80gb': 'a100-sxm4-80gb',
};

function buildPresets(): ReadonlyMap<string, Preset> {
  const presets = new Map<string, Preset>();
  for (const cpus of [1, 2, 4, 6, 8]) {
    presets.set(`shared-cpu-${cpus}x`, plain('shared', cpus, cpus * SHARED_MB_PER_CPU));
  }
  for (const cpus of [1, 2, 4, 6, 8, 10, 12, 14, 16]) {
    presets.set(`performance-${cpus}x`, plain('performance', cpus, cpus * PERFORMANCE_MB_PER_CPU));
  }
  for (const [name, gpuKind] of Object.entries(GPU_KINDS)) {
    presets.set(name, { ...plain('performance', 8, GPU_PRESET_MB), gpus: 1, gpuKind });
  }
  return presets;
}

function plain(cpuKind: string, cpus: number, memoryMb: number): Preset {
  return { cpuKind, cpus, memoryMb, gpus: undefined, gpuKind: undefined };
}

export const MACHINE_PRESETS = buildPresets();

/** fly-go's SetSize: a preset by name, or flyctl's error listing the sizes of that kind. */
export function presetGuest(size: string): GuestResult {
  const preset = MACHINE_PRESETS.get(size);
  if (preset !== undefined) return { ok: true, guest: { ...EMPTY_GUEST, ...preset } };

  const kind = ['shared', 'performance'].find((prefix) => size.startsWith(prefix));
  if (kind === undefined) {
    return {
      ok: false,
      error: `invalid machine preset requested, '${size}', expected to start with 'shared' or 'performance'`,
    };
  }
  const sizes = [...MACHINE_PRESETS.keys()].filter((name) => name.startsWith(kind)).sort();
  return {
    ok: false,
    error: `'${size}' is an invalid machine size, choose one of: [${sizes.join(' ')}]`,
  };
}

const EMPTY_GUEST: MachineGuestSpec = {
  cpuKind: '',
  cpus: 0,
  memoryMb: 0,
  maxMemoryMb: undefined,
  gpus: undefined,
  gpuKind: undefined,
  kernelArgs: undefined,
  hostDedicationId: undefined,
  persistRootfs: undefined,
};

export type MemoryParse =
  { readonly ok: true; readonly memoryMb: number } | { readonly ok: false; readonly error: string };

const BINARY: Readonly<Record<string, number>> = {
  '': 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
};

/** `memory = "1gb"` -> 1024: units are binary (docker's RAMInBytes), a bare number is MB. */
export function parseMemoryMb(text: string): MemoryParse {
  if (/^\d+$/.test(text)) return { ok: true, memoryMb: Number(text) };

  const match = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  const scale = BINARY[(match?.[2] ?? '').toLowerCase()];
  if (match === null || scale === undefined) return { ok: false, error: `invalid size: '${text}'` };
  const bytes = Number.parseFloat(match[1] ?? '0') * scale;
  return { ok: true, memoryMb: Math.trunc(bytes / 2 ** 20) };
}

/**
 * flyctl's toMachineGuest for one (flattened) `[[vm]]`: the size preset first, then the group's
 * host_dedication_id, then `memory`, then every explicit guest field that is set.
 */
export function computeToGuest(compute: ComputeSpec, hostDedicationId?: string): GuestResult {
  const size =
    compute.size ?? (compute.gpuKind === undefined ? DEFAULT_VM_SIZE : DEFAULT_GPU_VM_SIZE);
  const preset = presetGuest(size);
  if (!preset.ok) return preset;

  const memory = compute.memory === undefined ? undefined : parseMemoryMb(compute.memory);
  if (memory?.ok === false) return memory;
  if (memory?.memoryMb === 0) return { ok: false, error: 'memory cannot be zero' };

  const guest: MachineGuestSpec = {
    ...preset.guest,
    ...(hostDedicationId === undefined ? {} : { hostDedicationId }),
    ...(memory === undefined ? {} : { memoryMb: memory.memoryMb }),
  };
  return { ok: true, guest: { ...guest, ...explicitFields(compute) } };
}

// flyctl copies the section's guest fields over the preset, skipping empty ones (zero, "", []).
function explicitFields(compute: ComputeSpec): Partial<MachineGuestSpec> {
  const set = <T>(value: T | undefined): T | undefined =>
    value === '' || value === 0 || (Array.isArray(value) && value.length === 0) ? undefined : value;
  const fields: Partial<MachineGuestSpec> = {
    cpuKind: set(compute.cpuKind),
    cpus: set(compute.cpus),
    memoryMb: set(compute.memoryMb),
    maxMemoryMb: set(compute.maxMemoryMb),
    gpus: set(compute.gpus),
    gpuKind: set(compute.gpuKind),
    kernelArgs: set(compute.kernelArgs),
    hostDedicationId: set(compute.hostDedicationId),
    persistRootfs: set(compute.persistRootfs),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
