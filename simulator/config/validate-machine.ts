// Problems flyctl only meets when it builds machine configs at deploy time (`fly config
// validate` misses them, reference §1.9): flysim warns at load, and deploy fails on them.

import type { DecodeContext } from './decode.js';
import { asArray, asRecord } from './groups.js';
import { computeToGuest, type ComputeSpec } from './guest.js';
import type { KeyPath } from './positions.js';
import type { FlyView } from './schema.js';

const DEPLOY_FAILS = '`fly deploy` fails on this';

export function validateMachineSections(view: FlyView, ctx: DecodeContext): void {
  asArray(view.vm).forEach((vm, i) => validateVm(ctx, vm, ['vm', i]));
  const releaseVm = asRecord(view.deploy).release_command_vm;
  if (releaseVm !== undefined) validateVm(ctx, releaseVm, ['deploy', 'release_command_vm']);
  validateMachineChecks(view, ctx);
  validateMachineConfig(view, ctx);
}

function validateVm(ctx: DecodeContext, raw: unknown, fallback: KeyPath): void {
  const fields = asRecord(raw);
  const result = computeToGuest(sizeFields(fields));
  if (result.ok) return;

  const key = result.error.startsWith('memory') || result.error.startsWith('invalid size');
  const path = [...ctx.sourceOf(raw as object, fallback), key ? 'memory' : 'size'];
  ctx.report('warning', 'flyctl-warning', path, result.error, {
    hint: key
      ? `write memory like "512mb" or "1gb" (not zero); ${DEPLOY_FAILS}`
      : `use a preset such as "shared-cpu-1x" or "performance-2x"; ${DEPLOY_FAILS}`,
  });
}

// Only the keys that can make the guest fail matter here.
function sizeFields(fields: Record<string, unknown>): ComputeSpec {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    size: text(fields.size),
    memory: text(fields.memory),
    gpuKind: text(fields.gpu_kind),
    cpuKind: undefined,
    cpus: undefined,
    memoryMb: undefined,
    maxMemoryMb: undefined,
    gpus: undefined,
    kernelArgs: undefined,
    hostDedicationId: undefined,
    persistRootfs: undefined,
  };
}

function validateMachineChecks(view: FlyView, ctx: DecodeContext): void {
  const sections = [view, view.http_service, ...asArray(view.services)];
  for (const section of sections) {
    for (const [i, check] of asArray(asRecord(section).machine_checks).entries()) {
      if (asArray(asRecord(check).command).length > 0) continue;
      const path = ctx.sourceOf(check as object, ['machine_checks', i]);
      ctx.report('warning', 'flyctl-warning', path, 'missing command for test machine', {
        hint:
          'Add a `command` field to the `[[services.machine_checks]]` or ' +
          `\`[[http_service.machine_checks]]\` section of your fly.toml; ${DEPLOY_FAILS}`,
      });
    }
  }
}

function validateMachineConfig(view: FlyView, ctx: DecodeContext): void {
  const experimental = asRecord(view.experimental).machine_config;
  const [value, path] =
    view.machine_config === undefined
      ? [experimental, ['experimental', 'machine_config']]
      : [view.machine_config, ['machine_config']];
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return;
  try {
    JSON.parse(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    ctx.report('warning', 'flyctl-warning', path, `machine_config is not valid JSON: ${reason}`, {
      hint: `write a Machines API config as JSON, or the path of a JSON file; ${DEPLOY_FAILS}`,
    });
  }
}
