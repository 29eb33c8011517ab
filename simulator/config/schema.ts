// flyctl's Config (internal/appconfig/config.go) as decoders: the keys it knows, their Go types,
// and where a legacy patch applies. Decoding yields "flyctl's view": the config as flyctl holds
// it after loading, with flyctl's key names and every duration in milliseconds.

import {
  anyMap,
  anything,
  bool,
  float,
  int,
  isTable,
  nanosecondDuration,
  str,
  stringMap,
  strings,
  typeError,
  type DecodeContext,
  type Decoder,
} from './decode.js';
import {
  autostop,
  castInt,
  checkDuration,
  concurrency,
  env,
  headers,
  killTimeout,
  processes,
  stringified,
  stringOrStrings,
} from './legacy.js';
import type { KeyPath } from './positions.js';
import { table, tableArray, type ArraySpec } from './tables.js';

/** flyctl's view of one config: plain data, flyctl's key names, durations in milliseconds. */
export type FlyView = Readonly<Record<string, unknown>>;

const restartLimit: Decoder = (value, path, ctx) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return typeError(ctx, path, value, 'int', 'a whole number');
  }
  ctx.report('warning', 'ignored-by-machines', path, 'restart_limit is ignored by Fly Machines', {
    hint:
      'health checks never restart a Machine (only the restart policy does); remove it, or ' +
      "keep it for flysim's opt-in legacy restart behaviour",
  });
  return value;
};

const CHECK_TIMING = {
  interval: checkDuration,
  timeout: checkDuration,
  grace_period: checkDuration,
};

const HTTP_CHECK_FIELDS = {
  ...CHECK_TIMING,
  method: str,
  path: str,
  protocol: str,
  tls_skip_verify: bool,
  tls_server_name: str,
  headers,
};

/** Service checks keep `restart_limit` aside: flyctl's Config has no such field. */
function serviceCheck(fields: Readonly<Record<string, Decoder>>): Decoder {
  const decode = table({ fields: { ...fields, restart_limit: restartLimit } });
  return (value, path, ctx) => {
    const check = decode(value, path, ctx) as Record<string, unknown> | undefined;
    if (check === undefined || !('restart_limit' in check)) return check;
    ctx.restartLimits.set(check, check.restart_limit as number);
    delete check.restart_limit;
    return check;
  };
}

const patchedChecks = (fields: Readonly<Record<string, Decoder>>): Decoder => {
  const decode = tableArray(serviceCheck(fields), {
    goType: '[]*ServiceCheck',
    singleTable: true,
    label: 'checks',
  });
  return (value, path, ctx) => {
    const checks = decode(value, path, ctx);
    return Array.isArray(checks) && checks.length === 0 ? undefined : checks;
  };
};

const machineCheck = table({
  fields: {
    command: strings,
    image: str,
    entrypoint: strings,
    kill_signal: str,
    kill_timeout: nanosecondDuration,
  },
});
const machineChecks = tableArray(machineCheck, { goType: '[]*MachineCheck' });

const concurrencyTable = table({ fields: { type: str, soft_limit: int, hard_limit: int } });

const tlsOptions = table({
  fields: { alpn: strings, versions: strings, default_self_signed: bool },
});

const httpOptions = table({
  fields: {
    compress: bool,
    h2_backend: bool,
    idle_timeout: int,
    headers_read_timeout: int,
    response: table({ fields: { pristine: bool, headers: anyMap } }),
    replay_cache: anything,
  },
});

const port = table({
  fields: {
    port: castInt,
    start_port: int,
    end_port: int,
    handlers: strings,
    force_https: bool,
    tls_options: tlsOptions,
    http_options: httpOptions,
    proxy_proto_options: table({ fields: { version: str } }),
  },
});

const SERVICE_COMMON = {
  internal_port: int,
  auto_stop_machines: autostop,
  auto_start_machines: bool,
  min_machines_running: int,
  processes: strings,
  concurrency: concurrencyTable,
  machine_checks: machineChecks,
};

const service = table({
  fields: {
    ...SERVICE_COMMON,
    protocol: str,
    internal_port: castInt,
    concurrency: concurrency(concurrencyTable),
    ports: tableArray(port, { goType: '[]MachinePort', singleTable: true, label: 'ports' }),
    tcp_checks: patchedChecks(CHECK_TIMING),
    http_checks: patchedChecks(HTTP_CHECK_FIELDS),
  },
  dropWhenEmpty: true,
});

const httpService = table({
  fields: {
    ...SERVICE_COMMON,
    force_https: bool,
    tls_options: tlsOptions,
    http_options: httpOptions,
    checks: patchedChecks(HTTP_CHECK_FIELDS),
  },
});

const topLevelCheck = table({
  fields: { ...HTTP_CHECK_FIELDS, type: str, port: int, processes: strings },
  consumed: ['name'],
});

const VM_FIELDS = {
  size: str,
  memory: str,
  cpus: int,
  cpu_kind: str,
  gpus: int,
  gpu_kind: str,
  memory_mb: int,
  max_memory_mb: int,
  kernel_args: strings,
  host_dedication_id: str,
  persist_rootfs: str,
  processes: strings,
};

const vm = table({ fields: { ...VM_FIELDS, memory: stringified } });

const mount = table({
  fields: {
    source: str,
    destination: str,
    initial_size: stringified,
    snapshot_retention: int,
    scheduled_snapshots: bool,
    auto_extend_size_threshold: int,
    auto_extend_size_increment: str,
    auto_extend_size_limit: str,
    processes: strings,
  },
});

const metric = table({ fields: { port: int, path: str, https: bool, processes: strings } });

const buildTable = table({
  fields: {
    builder: str,
    builtin: str,
    image: str,
    dockerfile: str,
    ignorefile: str,
    'build-target': str,
    build_target: str,
    buildpacks: strings,
    args: stringMap,
    settings: anyMap,
    compose: table({ fields: { file: str } }),
    compression: str,
    compression_level: int,
  },
  dropWhenEmpty: true,
});

/** `build_target` is the legacy spelling of `build-target` (flyctl renames it). */
const build: Decoder = (value, path, ctx) => {
  const decoded = buildTable(value, path, ctx) as Record<string, unknown> | undefined;
  if (decoded?.build_target !== undefined) {
    decoded['build-target'] = decoded.build_target;
    delete decoded.build_target;
  }
  return decoded;
};

const nonEmpty =
  (decoder: Decoder): Decoder =>
  (value, path, ctx) => {
    const decoded = decoder(value, path, ctx);
    return Array.isArray(decoded) && decoded.length === 0 ? undefined : decoded;
  };

const deploy = table({
  fields: {
    strategy: str,
    max_unavailable: float,
    wait_timeout: nanosecondDuration,
    release_command: str,
    release_command_timeout: nanosecondDuration,
    release_command_vm: table({ fields: VM_FIELDS }),
    seed_command: str,
  },
});

const experimental = table({
  fields: {
    cmd: stringOrStrings,
    entrypoint: stringOrStrings,
    exec: stringOrStrings,
    auto_rollback: bool,
    enable_consul: bool,
    enable_etcd: bool,
    lazy_load_images: bool,
    machine_config: str,
    attached: anything,
  },
  consumed: ['kill_timeout', 'metrics_port', 'metrics_path'],
  dropWhenEmpty: true,
});

const ALIASES: Readonly<Record<string, readonly string[]>> = {
  vm: ['compute', 'computes', 'vm'],
  mounts: ['mount', 'mounts'],
  metrics: ['metric', 'metrics'],
};

const ALIAS_ITEMS: Readonly<Record<string, Decoder>> = { vm, mounts: mount, metrics: metric };

const TOP = table({
  fields: {
    app: str,
    primary_region: str,
    kill_signal: str,
    kill_timeout: killTimeout,
    swap_size_mb: int,
    console_command: str,
    host_dedication_id: str,
    machine_config: str,
    container: str,
    build,
    deploy,
    env,
    processes,
    experimental,
    http_service: httpService,
    services: nonEmpty(
      tableArray(service, { goType: '[]Service', singleTable: true, label: 'services' }),
    ),
    checks: topLevelChecks(),
    files: tableArray(
      table({
        fields: {
          guest_path: str,
          raw_value: str,
          local_path: str,
          secret_name: str,
          processes: strings,
        },
      }),
      { goType: '[]File' },
    ),
    statics: tableArray(
      table({
        fields: { guest_path: str, url_prefix: str, tigris_bucket: str, index_document: str },
      }),
      { goType: '[]Static' },
    ),
    restart: tableArray(table({ fields: { policy: str, retries: int, processes: strings } }), {
      goType: '[]Restart',
    }),
    machine_checks: machineChecks,
  },
  consumed: Object.values(ALIASES).flat(),
});

/** Decodes a parsed file into flyctl's view; problems go to `ctx`. */
export function decodeFlyConfig(raw: unknown, ctx: DecodeContext): Record<string, unknown> {
  if (!isTable(raw)) {
    typeError(ctx, [], raw, 'Config', 'a table of settings at the top level');
    return {};
  }

  const view = (TOP(raw, [], ctx) ?? {}) as Record<string, unknown>;
  for (const [name, keys] of Object.entries(ALIASES)) {
    const items = aliasItems(raw, name, keys, ctx);
    if (items.length > 0) view[name] = items;
  }
  applyExperimentalMoves(raw, view, ctx);
  return view;
}

function aliasItems(
  raw: Record<string, unknown>,
  name: string,
  keys: readonly string[],
  ctx: DecodeContext,
) {
  const spec: ArraySpec = { goType: `[]${name}`, singleTable: true, label: name };
  const item = ALIAS_ITEMS[name] ?? anything;
  const out: unknown[] = [];
  for (const key of keys.filter((k) => raw[k] !== undefined && raw[k] !== null)) {
    const decoded = tableArray(item, spec)(raw[key], [key], ctx);
    if (Array.isArray(decoded)) out.push(...(decoded as unknown[]));
  }
  ctx.sources.set(out, [keys.find((k) => raw[k] !== undefined) ?? name]);
  return out;
}

// [experimental] kill_timeout and metrics_port/metrics_path: flyctl moves them to the top level
// when the top level does not set them; `fly config validate --strict` still flags them.
function applyExperimentalMoves(
  raw: Record<string, unknown>,
  view: Record<string, unknown>,
  ctx: DecodeContext,
): void {
  const section = raw.experimental;
  if (!isTable(section)) return;

  if (section.kill_timeout !== undefined) {
    const value = killTimeout(section.kill_timeout, ['experimental', 'kill_timeout'], ctx);
    if (raw.kill_timeout === undefined && value !== undefined) view.kill_timeout = value;
    reportMoved(ctx, ['experimental', 'kill_timeout'], 'kill_timeout = "5s" at the top level');
  }
  moveMetrics(section, view, ctx);
}

function moveMetrics(
  section: Record<string, unknown>,
  view: Record<string, unknown>,
  ctx: DecodeContext,
) {
  const entry: Record<string, unknown> = {};
  for (const key of ['metrics_port', 'metrics_path'] as const) {
    if (section[key] === undefined) continue;
    entry[key.slice('metrics_'.length)] = section[key];
    reportMoved(ctx, ['experimental', key], '[[metrics]] with port and path');
  }
  if (Object.keys(entry).length === 0 || view.metrics !== undefined) return;

  const decoded = metric(entry, ['experimental'], ctx);
  if (decoded !== undefined) view.metrics = [decoded];
}

function reportMoved(ctx: DecodeContext, path: KeyPath, replacement: string): void {
  ctx.report(
    'warning',
    'obsolete-key',
    path,
    `legacy key \`${path.join('.')}\` is moved by flyctl`,
    {
      hint: `write ${replacement} instead (fly config validate --strict rejects the old key)`,
      flyctlStrict: true,
    },
  );
}

function topLevelChecks(): Decoder {
  return (value, path, ctx) => {
    const named = isTable(value) ? value : checksByName(value, path, ctx);
    if (named === undefined) return undefined;

    const out: Record<string, unknown> = {};
    ctx.sources.set(out, path);
    for (const [name, check] of Object.entries(named)) {
      const decoded = topLevelCheck(check, [...path, ...checkPath(value, name)], ctx);
      if (decoded !== undefined) out[name] = decoded;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
}

function checkPath(value: unknown, name: string): (string | number)[] {
  if (!Array.isArray(value)) return [name];
  return [value.findIndex((item) => isTable(item) && item.name === name)];
}

function checksByName(value: unknown, path: KeyPath, ctx: DecodeContext) {
  const items = Array.isArray(value) ? value : undefined;
  const shapeOk = items?.every((item) => isTable(item) && typeof item.name === 'string');
  if (items === undefined || shapeOk !== true) {
    const bad = items?.findIndex((item) => !isTable(item) || typeof item.name !== 'string') ?? -1;
    ctx.fail('legacy-shape', bad >= 0 ? [...path, bad] : path, 'check item name not a string', {
      expected: 'checks as [checks.<name>] tables, or [[checks]] items each with a name',
      found: items === undefined ? `${typeof value}` : 'an item without a string name',
      hint: 'write each check as [checks.<name>]',
    });
    return undefined;
  }
  return Object.fromEntries(items.map((item) => [(item as { name: string }).name, item]));
}
