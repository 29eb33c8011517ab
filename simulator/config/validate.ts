// flyctl's validators (internal/appconfig/validation.go), in flyctl's order and with its text,
// run on flyctl's view; each problem is located through the view's source paths.

import { goString, type DecodeContext } from './decode.js';
import { formatGoDuration } from './duration.js';
import {
  appliesTo,
  asArray,
  asRecord,
  defaultProcessName,
  processesOf,
  processNames,
} from './groups.js';
import type { KeyPath } from './positions.js';
import type { FlyView } from './schema.js';
import { shellSplit } from './shlex.js';
import { sizeInGb } from './sizes.js';
import { validateMachineSections } from './validate-machine.js';

export const STRATEGIES = ['canary', 'rolling', 'immediate', 'bluegreen'] as const;

interface Validation {
  readonly view: FlyView;
  readonly ctx: DecodeContext;
  /** Set when validating one process group (flyctl's ValidateGroups). */
  readonly group?: string;
}

/** Runs every flyctl validator; problems are added to `ctx`. */
export function validateFlyView(validation: Validation): void {
  validateBuildStrategies(validation);
  validateDeploy(validation);
  validateChecks(validation);
  validateCheckPorts(validation);
  validateServices(validation);
  validateProcesses(validation);
  validateConsoleCommand(validation);
  validateMounts(validation);
  validateRestart(validation);
  validateCompression(validation);
  if (validation.group === undefined) validateMachineSections(validation.view, validation.ctx);
}

function at(v: Validation, section: unknown, key: string | number, fallback: KeyPath): KeyPath {
  const base =
    typeof section === 'object' && section !== null ? v.ctx.sourceOf(section, fallback) : fallback;
  return [...base, key];
}

function error(v: Validation, path: KeyPath, message: string, hint: string, found?: string): void {
  v.ctx.report('error', 'invalid-value', path, message, {
    hint,
    ...(found === undefined ? {} : { found }),
  });
}

function validateBuildStrategies(v: Validation): void {
  const build = asRecord(v.view.build);
  const found: string[] = [];
  if (typeof build.image === 'string' && build.image !== '')
    found.push(`the "${build.image}" docker image`);
  if (build.builder !== undefined || asArray(build.buildpacks).length > 0)
    found.push('a buildpack');
  if (typeof build.dockerfile === 'string' && build.dockerfile !== '')
    found.push(`the "${build.dockerfile}" dockerfile`);
  if (typeof build.builtin === 'string' && build.builtin !== '')
    found.push(`the "${build.builtin}" builtin image`);
  if (found.length < 2) return;

  v.ctx.report(
    'warning',
    'flyctl-warning',
    at(v, v.view.build, 'image', ['build']).slice(0, -1),
    `WARN more than one build configuration found: [${found.join(', ')}]`,
    {
      hint: 'keep one of image, dockerfile, builder/buildpacks and builtin in [build]',
    },
  );
}

function validateDeploy(v: Validation): void {
  const deploy = asRecord(v.view.deploy);
  const command = deploy.release_command;
  if (typeof command === 'string' && !shellSplit(command).ok) {
    error(
      v,
      at(v, v.view.deploy, 'release_command', ['deploy']),
      `Can't shell split release command: '${command}'`,
      'close every quote in the command',
    );
  }

  const strategy = deploy.strategy;
  if (typeof strategy !== 'string' || strategy === '') return;
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    error(
      v,
      at(v, v.view.deploy, 'strategy', ['deploy']),
      `unsupported deployment strategy '${strategy}'; Apps v2 supports the following strategies: ${STRATEGIES.join(', ')}`,
      `set strategy to one of ${STRATEGIES.join(', ')}`,
      `"${strategy}"`,
    );
  }
  if (strategy === 'canary' && asArray(v.view.mounts).length > 0) {
    error(
      v,
      at(v, v.view.deploy, 'strategy', ['deploy']),
      'error canary deployment strategy is not supported when using mounted volumes',
      'use strategy = "rolling" (or "immediate") with [[mounts]]',
    );
  }
}

function validateChecks(v: Validation): void {
  for (const [name, check] of Object.entries(asRecord(v.view.checks))) {
    const fields = asRecord(check);
    if (fields.type !== 'http' && fields.type !== 'tcp') {
      error(
        v,
        at(v, check, 'type', ['checks', name]),
        `Can't process top level check '${name}': Missing or invalid check type, must be 'http' or 'tcp'`,
        `set type = "http" or type = "tcp" in [checks.${name}]`,
        fields.type === undefined ? 'no type' : JSON.stringify(fields.type),
      );
    }
    if (typeof fields.interval === 'number' && fields.interval < 2000) {
      error(
        v,
        at(v, check, 'interval', ['checks', name]),
        `Check '${name}' interval is too short: ${formatGoDuration(fields.interval)}, minimum is 2 seconds`,
        'set interval to "2s" or more',
      );
    }
    if (typeof fields.timeout === 'number' && fields.timeout > 60_000) {
      error(
        v,
        at(v, check, 'timeout', ['checks', name]),
        `Check '${name}' timeout is too long: ${formatGoDuration(fields.timeout)}, maximum is 60 seconds`,
        'set timeout to "60s" or less',
      );
    }
  }
}

// flyctl reports this only at deploy time (validate misses it, reference §1.9); flysim warns now.
function validateCheckPorts(v: Validation): void {
  const defaultGroup = defaultProcessName(v.view);
  for (const [name, check] of Object.entries(asRecord(v.view.checks))) {
    if (asRecord(check).port !== undefined) continue;
    for (const group of processNames(v.view).filter((g) => appliesTo(check, g, defaultGroup))) {
      if (v.view.http_service !== undefined && appliesTo(v.view.http_service, group, defaultGroup))
        continue;
      v.ctx.report(
        'warning',
        'flyctl-warning',
        at(v, check, 'port', ['checks', name]).slice(0, -1),
        `Check '${name}' for process group '${group}' has no port set and the group has no http_service to take it from`,
        {
          hint: `set port in [checks.${name}]; \`fly deploy\` fails on this`,
        },
      );
    }
  }
}

/** http_service first, then [[services]], as flyctl's AllServices lists them. */
export function allServices(view: FlyView): unknown[] {
  return [
    ...(view.http_service === undefined ? [] : [view.http_service]),
    ...asArray(view.services),
  ];
}

function validateServices(v: Validation): void {
  const groups = processNames(v.view);
  const processCount = Object.keys(asRecord(v.view.processes)).length;
  for (const service of allServices(v.view)) {
    validateServiceGroups(v, service, groups, processCount);
    if (service !== v.view.http_service && asArray(asRecord(service).ports).length === 0) {
      v.ctx.report(
        'warning',
        'flyctl-warning',
        v.ctx.sourceOf(service as object, ['services']),
        'WARNING: Service must expose at least one port. Add a [[services.ports]] section to fly.toml; Check docs at https://fly.io/docs/reference/configuration/#services-ports \n Validation for _services without ports_ will hard fail after February 15, 2024.',
        {
          hint: 'add a [[services.ports]] section with port and handlers',
        },
      );
    }
    validateServiceCheckDurations(v, service);
  }
}

function validateServiceGroups(
  v: Validation,
  service: unknown,
  groups: string[],
  processCount: number,
) {
  const listed = processesOf(service);
  const where = v.ctx.sourceOf(service as object, ['services']);
  if (listed.length === 0 && processCount > 0) {
    error(
      v,
      where,
      `Service has no processes set but app has ${processCount} processes defined; update fly.toml to set processes for each service`,
      `add processes = [${groups.map((g) => `"${g}"`).join(', ')}] (the groups it serves)`,
    );
    return;
  }
  for (const name of listed.filter((p) => !groups.includes(p))) {
    error(
      v,
      [...where, 'processes'],
      `Service specifies '${name}' as one of its processes, but no processes are defined with that name; update fly.toml [processes] to add '${name}' process or remove it from service's processes list`,
      `known process groups: ${groups.join(', ')}`,
    );
  }
}

function validateServiceCheckDurations(v: Validation, service: unknown): void {
  const record = asRecord(service);
  const kinds =
    service === v.view.http_service
      ? [['checks', 'HTTP']]
      : [
          ['tcp_checks', 'TCP'],
          ['http_checks', 'HTTP'],
        ];
  for (const [key = '', proto = ''] of kinds) {
    for (const check of asArray(record[key])) {
      checkDuration(v, check, 'interval', proto, 'an interval');
      checkDuration(v, check, 'timeout', proto, 'a timeout');
      checkDuration(v, check, 'grace_period', proto, 'a grace period');
    }
  }
}

// Fly clamps service check timings to [1s, 1m] (grace may be 0); flyctl warns, and so do we.
function checkDuration(v: Validation, check: unknown, key: string, proto: string, what: string) {
  const ms = asRecord(check)[key];
  if (typeof ms !== 'number') return;
  const zeroOk = key === 'grace_period';
  const shown = formatGoDuration(ms);
  let message: string | undefined;
  if (zeroOk && ms !== 0 && ms < 1000)
    message = `WARN Service ${proto} check has ${what} that is non-zero and less than 1 second (${shown}); this will be raised to 1 second`;
  else if (!zeroOk && ms < 1000)
    message = `WARN Service ${proto} check has ${what} less than 1 second (${shown}); this will be raised to 1 second`;
  else if (ms > 60_000)
    message = `WARN Service ${proto} check has ${what} greater than 1 minute (${shown}); this will be lowered to 1 minute`;
  if (message === undefined) return;

  v.ctx.report('warning', 'clamped', at(v, check, key, []), message, {
    expected: 'between 1s and 1m',
    found: shown,
    hint: `set ${key} between "1s" and "60s"`,
  });
}

function validateProcesses(v: Validation): void {
  for (const [name, command] of Object.entries(asRecord(v.view.processes))) {
    if (typeof command !== 'string' || command === '') continue;
    const split = shellSplit(command);
    if (split.ok) continue;
    error(
      v,
      at(v, v.view.processes, name, ['processes']),
      `Could not parse command for '${name}' process group; check [processes] section: ${split.error}`,
      'close every quote in the command',
    );
  }
}

function validateConsoleCommand(v: Validation): void {
  const command = v.view.console_command;
  if (typeof command !== 'string' || shellSplit(command).ok) return;
  error(
    v,
    ['console_command'],
    `Can't shell split console command: '${command}'`,
    'close every quote in the command',
  );
}

function validateMounts(v: Validation): void {
  const mounts = asArray(v.view.mounts);
  if (v.group !== undefined && mounts.length > 1) {
    error(
      v,
      v.ctx.sourceOf(mounts[1] as object, ['mounts']),
      `group '${v.group}' has more than one [[mounts]] section defined`,
      `keep one [[mounts]] for group '${v.group}'; a machine mounts one volume`,
    );
  }
  for (const mount of mounts) validateMount(v, asRecord(mount), mount);
}

function validateMount(v: Validation, mount: Record<string, unknown>, raw: unknown): void {
  const source = typeof mount.source === 'string' ? mount.source : '';
  const path = (key: string) => at(v, raw, key, ['mounts']);
  const size = (key: string, label: string) => {
    const text = mount[key];
    if (typeof text !== 'string' || text === '') return 0;
    const gb = sizeInGb(text);
    if (!gb.ok)
      error(
        v,
        path(key),
        `mount '${source}' with ${label} '${text}' will fail because of: ${gb.error}`,
        `write ${label} like "10gb"`,
      );
    else if (gb.value < 1)
      error(
        v,
        path(key),
        `mount '${source}' has an ${label} '${text}' value which is smaller than 1GB`,
        `write ${label} as "1gb" or more (sizes are decimal)`,
      );
    return gb.ok ? gb.value : 0;
  };

  size('initial_size', 'initial_size');
  const retention = mount.snapshot_retention;
  if (typeof retention === 'number' && (retention < 1 || retention > 60)) {
    error(
      v,
      path('snapshot_retention'),
      `mount '${source}' has a snapshot_retention value which is not between 1 and 60 days inclusive`,
      'set snapshot_retention between 1 and 60',
    );
  }
  const increment = size('auto_extend_size_increment', 'auto_extend_size_increment');
  const limit = size('auto_extend_size_limit', 'auto_extend_size_limit');
  validateAutoExtend(
    v,
    source,
    Number(mount.auto_extend_size_threshold ?? 0),
    increment,
    limit,
    path('auto_extend_size_threshold'),
  );
}

function validateAutoExtend(
  v: Validation,
  source: string,
  threshold: number,
  increment: number,
  limit: number,
  path: KeyPath,
) {
  if (threshold === 0 && increment === 0 && limit === 0) return;
  const hint =
    'set auto_extend_size_threshold (50-99), auto_extend_size_increment and auto_extend_size_limit together';
  if (threshold !== 0 && increment === 0 && limit === 0)
    error(
      v,
      path,
      `mount '${source}' auto_extend_size_threshold, auto_extend_size_increment and auto_extend_size_limit must be all defined or none`,
      hint,
    );
  if (threshold < 50 || threshold > 99)
    error(v, path, `mount '${source}' auto_extend_size_threshold must be between 50 and 99`, hint);
  if (increment < 1 || increment > 100)
    error(
      v,
      path,
      `mount '${source}' auto_extend_size_increment must be between 1GB and 100GB`,
      hint,
    );
  if (limit !== 0 && (limit < 1 || limit > 500))
    error(v, path, `mount '${source}' auto_extend_size_limit must be between 1GB and 500GB`, hint);
}

export const RESTART_POLICIES: Readonly<Record<string, 'always' | 'no' | 'on-failure'>> = {
  always: 'always',
  never: 'no',
  'on-failure': 'on-failure',
};

function validateRestart(v: Validation): void {
  const groups = processNames(v.view);
  for (const restart of asArray(v.view.restart)) {
    for (const name of processesOf(restart).filter((p) => !groups.includes(p))) {
      error(
        v,
        at(v, restart, 'processes', ['restart']),
        `Restart policy specifies '${name}' as one of its processes, but no processes are defined with that name; update fly.toml [processes] to add '${name}' process or remove it from restart policy's processes list`,
        `known process groups: ${groups.join(', ')}`,
      );
    }
    const policy = goString(asRecord(restart).policy ?? '');
    if (RESTART_POLICIES[policy] === undefined) {
      error(
        v,
        at(v, restart, 'policy', ['restart']),
        `invalid restart policy: ${policy}`,
        'set policy to "always", "never" or "on-failure"',
        JSON.stringify(policy),
      );
    }
  }
}

function validateCompression(v: Validation): void {
  const build = asRecord(v.view.build);
  const { compression, compression_level: level } = build;
  if (compression !== undefined && compression !== 'gzip' && compression !== 'zstd') {
    error(
      v,
      at(v, v.view.build, 'compression', ['build']),
      `Invalid value '${goString(compression)}' for compression. Valid options are 'gzip', 'zstd', or leave unset.`,
      'set compression = "gzip" or "zstd", or remove it',
    );
  }
  if (typeof level === 'number' && (level < 0 || level > 9)) {
    error(
      v,
      at(v, v.view.build, 'compression_level', ['build']),
      `Invalid value '${level}' for compression level. Must be an integer between 0 and 9.`,
      'set compression_level between 0 and 9',
    );
  }
}
