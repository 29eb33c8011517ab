import { describe, expect, it } from 'vitest';
import {
  computeToGuest,
  MACHINE_PRESETS,
  parseMemoryMb,
  presetGuest,
  type ComputeSpec,
} from './guest.js';
import { loadConfigText } from './load.js';

const NONE: ComputeSpec = {
  size: undefined,
  memory: undefined,
  cpuKind: undefined,
  cpus: undefined,
  memoryMb: undefined,
  maxMemoryMb: undefined,
  gpus: undefined,
  gpuKind: undefined,
  kernelArgs: undefined,
  hostDedicationId: undefined,
  persistRootfs: undefined,
};

const guestOf = (compute: Partial<ComputeSpec>, hostDedicationId?: string) => {
  const result = computeToGuest({ ...NONE, ...compute }, hostDedicationId);
  if (!result.ok) throw new Error(result.error);
  return result.guest;
};

const errorOf = (compute: Partial<ComputeSpec>) => {
  const result = computeToGuest({ ...NONE, ...compute });
  return result.ok ? undefined : result.error;
};

describe('machine presets', () => {
  it('should size shared CPUs at 256 MB and performance CPUs at 2048 MB each', () => {
    expect(MACHINE_PRESETS.get('shared-cpu-6x')).toMatchObject({ cpus: 6, memoryMb: 1536 });
    expect(MACHINE_PRESETS.get('performance-16x')).toMatchObject({
      cpuKind: 'performance',
      cpus: 16,
      memoryMb: 32_768,
    });
  });

  it('should give GPU presets 8 performance CPUs, 32 GB and one GPU of their kind', () => {
    expect(MACHINE_PRESETS.get('a100-80gb')).toMatchObject({
      cpus: 8,
      memoryMb: 32_768,
      gpus: 1,
      gpuKind: 'a100-sxm4-80gb',
    });
  });

  it('should list the sizes of the same kind, sorted as Go sorts them, for an unknown size', () => {
    expect(presetGuest('shared-cpu-3x')).toEqual({
      ok: false,
      error:
        "'shared-cpu-3x' is an invalid machine size, choose one of: [shared-cpu-1x shared-cpu-2x shared-cpu-4x shared-cpu-6x shared-cpu-8x]",
    });
    const performance = presetGuest('performance-3x');
    expect(performance.ok ? '' : performance.error).toContain(
      '[performance-10x performance-12x performance-14x performance-16x performance-1x',
    );
  });

  it('should reject a size that is neither shared nor performance', () => {
    expect(presetGuest('dedicated-cpu-1x')).toEqual({
      ok: false,
      error:
        "invalid machine preset requested, 'dedicated-cpu-1x', expected to start with 'shared' or 'performance'",
    });
  });
});

describe('parseMemoryMb', () => {
  it.each([
    ['512', 512],
    ['1gb', 1024],
    ['4G', 4096],
    ['64gb', 65_536],
    ['512mb', 512],
    ['0.5gb', 512],
    ['2 GiB', 2048],
  ])('should read %s as %i MB (binary units, a bare number is MB)', (text, memoryMb) => {
    expect(parseMemoryMb(text)).toEqual({ ok: true, memoryMb });
  });

  it('should give docker’s error for text that is not a size', () => {
    expect(parseMemoryMb('lots')).toEqual({ ok: false, error: "invalid size: 'lots'" });
  });
});

describe('computeToGuest', () => {
  it('should start from shared-cpu-1x when no size is given', () => {
    expect(guestOf({})).toMatchObject({ cpuKind: 'shared', cpus: 1, memoryMb: 256 });
  });

  it('should start from performance-8x when only a gpu_kind is given', () => {
    expect(guestOf({ gpuKind: 'l40s' })).toMatchObject({
      cpuKind: 'performance',
      cpus: 8,
      memoryMb: 16_384,
      gpuKind: 'l40s',
      gpus: undefined,
    });
  });

  it('should let memory override the preset and memory_mb override memory', () => {
    expect(guestOf({ size: 'shared-cpu-2x', memory: '1gb' }).memoryMb).toBe(1024);
    expect(guestOf({ size: 'shared-cpu-2x', memory: '1gb', memoryMb: 2048 }).memoryMb).toBe(2048);
  });

  it('should let explicit cpus and cpu_kind override the preset', () => {
    expect(guestOf({ size: 'shared-cpu-1x', cpus: 4, cpuKind: 'performance' })).toMatchObject({
      cpuKind: 'performance',
      cpus: 4,
      memoryMb: 256,
    });
  });

  it('should take the host_dedication_id given, unless the section sets its own', () => {
    expect(guestOf({}, 'top').hostDedicationId).toBe('top');
    expect(guestOf({ hostDedicationId: 'own' }, 'top').hostDedicationId).toBe('own');
  });

  it('should refuse zero memory and unreadable memory with flyctl’s words', () => {
    expect(errorOf({ memory: '0' })).toBe('memory cannot be zero');
    expect(errorOf({ memory: '0gb' })).toBe('memory cannot be zero');
    expect(errorOf({ memory: 'big' })).toBe("invalid size: 'big'");
  });
});

describe('[[vm]] problems at load', () => {
  const warnings = (toml: string) =>
    loadConfigText(toml, 'fly.toml')
      .problems.filter((p) => p.severity === 'warning')
      .map((p) => `${p.path}: ${p.message}`);

  it('should warn (flyctl fails only at deploy) about a bad size, naming the key', () => {
    expect(warnings('app = "a"\n[[vm]]\nsize = "huge"\n')).toContainEqual(
      "vm.0.size: invalid machine preset requested, 'huge', expected to start with 'shared' or 'performance'",
    );
  });

  it('should warn about zero memory in release_command_vm', () => {
    expect(warnings('app = "a"\n[deploy.release_command_vm]\nmemory = "0mb"\n')).toContainEqual(
      'deploy.release_command_vm.memory: memory cannot be zero',
    );
  });

  it('should keep the config valid and carry the error to the group', () => {
    const report = loadConfigText('app = "a"\n[[vm]]\nmemory = 0\n', 'fly.toml');
    expect(report.status).toBe('valid');
    expect(report.config?.processGroups[0]?.vm).toEqual({
      guest: undefined,
      error: 'memory cannot be zero',
    });
  });
});
