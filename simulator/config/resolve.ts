// flyctl's view -> AppConfig: defaults, http_service expansion (§1.7), process groups (§1.6),
// service check names (§3.2), and a deep freeze.

import {
  DEFAULTS,
  type AppConfig,
  type AutoStop,
  type CheckTiming,
  type Concurrency,
  type DefaultedCheckField,
  type DeployStrategy,
  type HttpCheckSpec,
  type Mount,
  type ProcessGroup,
  type RestartPolicy,
  type Service,
  type ServiceCheck,
  type ServicePort,
  type TopLevelCheck,
} from './app-config.js';
import type { DecodeContext } from './decode.js';
import {
  appliesTo,
  asArray,
  asRecord,
  defaultProcessName,
  processesOf,
  processNames,
} from './groups.js';
import {
  resolveAppMachine,
  resolveGroupMachine,
  resolveMachineChecks,
  resolveReleaseCommandVm,
} from './resolve-machine.js';
import type { FlyView } from './schema.js';
import { shellSplit } from './shlex.js';
import { allServices, RESTART_POLICIES, STRATEGIES } from './validate.js';

type Fields = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const words = (value: unknown): readonly string[] | undefined =>
  Array.isArray(value) ? (value as string[]) : undefined;

/** Resolves a valid view; `ctx` supplies kept legacy values (restart_limit). */
export function resolveAppConfig(view: FlyView, configPath: string, ctx: DecodeContext): AppConfig {
  const defaultGroup = defaultProcessName(view);
  const services = allServices(view).map((service, i) => resolveService(view, service, i, ctx));
  const config: AppConfig = {
    configPath,
    app: text(view.app),
    primaryRegion: text(view.primary_region),
    killSignal: text(view.kill_signal) ?? DEFAULTS.killSignal,
    killTimeoutMs: num(view.kill_timeout) ?? DEFAULTS.killTimeoutMs,
    build: resolveBuild(asRecord(view.build)),
    deploy: resolveDeploy(asRecord(view.deploy), text(view.host_dedication_id)),
    env: { ...(asRecord(view.env) as Record<string, string>) },
    defaultProcessGroup: defaultGroup,
    processGroups: processNames(view).map((name) => resolveGroup(view, name, services)),
    experimental: resolveExperimental(asRecord(view.experimental)),
    ...resolveAppMachine(view),
    defaulted: [
      ...(view.kill_signal === undefined ? (['killSignal'] as const) : []),
      ...(view.kill_timeout === undefined ? (['killTimeoutMs'] as const) : []),
    ],
  };
  return deepFreeze(config);
}

function resolveBuild(build: Fields): AppConfig['build'] {
  return {
    image: text(build.image),
    dockerfile: text(build.dockerfile),
    ignorefile: text(build.ignorefile),
    target: text(build['build-target']) ?? text(build.build_target),
    args: { ...(asRecord(build.args) as Record<string, string>) },
  };
}

function resolveDeploy(deploy: Fields, hostDedicationId: string | undefined): AppConfig['deploy'] {
  const strategy = text(deploy.strategy);
  const releaseCommand = text(deploy.release_command);
  const split = releaseCommand === undefined ? undefined : shellSplit(releaseCommand);
  return {
    strategy: (STRATEGIES as readonly string[]).includes(strategy ?? '')
      ? (strategy as DeployStrategy)
      : DEFAULTS.strategy,
    maxUnavailable: num(deploy.max_unavailable) ?? DEFAULTS.maxUnavailable,
    waitTimeoutMs: num(deploy.wait_timeout) ?? DEFAULTS.waitTimeoutMs,
    releaseCommand: releaseCommand === '' ? undefined : releaseCommand,
    releaseCommandArgv: split?.ok === true && split.words.length > 0 ? split.words : undefined,
    releaseCommandTimeoutMs:
      num(deploy.release_command_timeout) ?? DEFAULTS.releaseCommandTimeoutMs,
    releaseCommandVm: resolveReleaseCommandVm(deploy.release_command_vm, hostDedicationId),
  };
}

function resolveExperimental(experimental: Fields): AppConfig['experimental'] {
  return {
    cmd: words(experimental.cmd),
    entrypoint: words(experimental.entrypoint),
    exec: words(experimental.exec),
  };
}

function resolveGroup(view: FlyView, name: string, services: readonly Service[]): ProcessGroup {
  const defaultGroup = defaultProcessName(view);
  const inGroup = (section: unknown) => appliesTo(section, name, defaultGroup);
  const command = text(asRecord(view.processes)[name]);
  const split = command === undefined || command === '' ? undefined : shellSplit(command);
  const groupServices = services.filter((s) => inGroup({ processes: s.processes }));
  const httpPort =
    view.http_service !== undefined && inGroup(view.http_service)
      ? (num(asRecord(view.http_service).internal_port) ?? 0)
      : undefined;

  return {
    name,
    command: command === '' ? undefined : command,
    cmd: split?.ok === true ? split.words : words(asRecord(view.experimental).cmd),
    env: groupEnv(view, name),
    services: groupServices,
    checks: Object.entries(asRecord(view.checks))
      .filter(([, check]) => inGroup(check))
      .map(([checkName, check]) => resolveTopLevelCheck(checkName, asRecord(check), httpPort)),
    restart: resolveRestart(asArray(view.restart).find(inGroup)),
    mounts: asArray(view.mounts).filter(inGroup).map(resolveMount),
    ...resolveGroupMachine(view, name, inGroup),
  };
}

function groupEnv(view: FlyView, group: string): Record<string, string> {
  const env: Record<string, string> = { ...(asRecord(view.env) as Record<string, string>) };
  env.FLY_PROCESS_GROUP = group;
  const region = text(view.primary_region);
  if (region !== undefined && region !== '') env.PRIMARY_REGION = region;
  return env;
}

function resolveRestart(restart: unknown): RestartPolicy {
  const fields = asRecord(restart);
  const policy = RESTART_POLICIES[text(fields.policy) ?? ''];
  return {
    policy: policy ?? DEFAULTS.restartPolicy,
    maxRetries: num(fields.retries) ?? DEFAULTS.restartMaxRetries,
    windowMs: DEFAULTS.restartWindowMs,
    defaulted: [
      ...(policy === undefined ? (['policy'] as const) : []),
      ...(num(fields.retries) === undefined ? (['maxRetries'] as const) : []),
    ],
  };
}

function resolveMount(mount: unknown): Mount {
  const fields = asRecord(mount);
  return { source: text(fields.source) ?? '', destination: text(fields.destination) ?? '' };
}

function resolveService(view: FlyView, raw: unknown, index: number, ctx: DecodeContext): Service {
  const fields = asRecord(raw);
  const isHttpService = raw === view.http_service;
  const internalPort = num(fields.internal_port) ?? 0;
  const serviceIndex = view.http_service === undefined ? index : index - 1;
  const checks = isHttpService
    ? asArray(fields.checks).map((c) => ['http', c] as const)
    : [
        ...asArray(fields.tcp_checks).map((c) => ['tcp', c] as const),
        ...asArray(fields.http_checks).map((c) => ['http', c] as const),
      ];

  return {
    origin: isHttpService ? 'http_service' : `services.${serviceIndex}`,
    protocol: text(fields.protocol) ?? 'tcp',
    internalPort,
    ports: isHttpService
      ? httpServicePorts(fields)
      : asArray(fields.ports).map((p) => resolvePort(asRecord(p))),
    concurrency: resolveConcurrency(asRecord(fields.concurrency)),
    checks: checks.map(([kind, check], i) =>
      resolveServiceCheck(kind, check, i, internalPort, ctx),
    ),
    processes: processesOf(raw),
    autoStopMachines: text(fields.auto_stop_machines) as AutoStop | undefined,
    autoStartMachines:
      typeof fields.auto_start_machines === 'boolean' ? fields.auto_start_machines : undefined,
    minMachinesRunning: num(fields.min_machines_running),
    machineChecks: resolveMachineChecks(
      fields.machine_checks,
      isHttpService ? 'http_service' : `services.${serviceIndex}`,
    ),
  };
}

/** §1.7: port 80 with http (and force_https), port 443 with http + tls (and tls_options). */
function httpServicePorts(fields: Fields): ServicePort[] {
  const forceHttps = fields.force_https === true;
  return [
    {
      port: 80,
      startPort: undefined,
      endPort: undefined,
      handlers: ['http'],
      forceHttps,
      tlsOptions: undefined,
    },
    {
      port: 443,
      startPort: undefined,
      endPort: undefined,
      handlers: ['http', 'tls'],
      forceHttps: false,
      tlsOptions: resolveTls(fields.tls_options),
    },
  ];
}

function resolvePort(port: Fields): ServicePort {
  return {
    port: num(port.port),
    startPort: num(port.start_port),
    endPort: num(port.end_port),
    handlers: words(port.handlers) ?? [],
    forceHttps: port.force_https === true,
    tlsOptions: resolveTls(port.tls_options),
  };
}

function resolveTls(raw: unknown): ServicePort['tlsOptions'] {
  if (raw === undefined) return undefined;
  const tls = asRecord(raw);
  return {
    alpn: words(tls.alpn),
    versions: words(tls.versions),
    defaultSelfSigned: tls.default_self_signed === true,
  };
}

function resolveConcurrency(concurrency: Fields): Concurrency {
  return {
    type: text(concurrency.type) ?? DEFAULTS.concurrencyType,
    softLimit: num(concurrency.soft_limit) ?? DEFAULTS.concurrencySoftLimit,
    hardLimit: num(concurrency.hard_limit),
    defaulted: [
      ...(concurrency.type === undefined ? (['type'] as const) : []),
      ...(concurrency.soft_limit === undefined ? (['softLimit'] as const) : []),
    ],
  };
}

function resolveServiceCheck(
  kind: 'tcp' | 'http',
  raw: unknown,
  index: number,
  port: number,
  ctx: DecodeContext,
): ServiceCheck {
  const fields = asRecord(raw);
  const restartLimit =
    typeof raw === 'object' && raw !== null ? ctx.restartLimits.get(raw) : undefined;
  return {
    name: `servicecheck-${String(index).padStart(2, '0')}-${kind}-${port}`,
    kind,
    port,
    ...timing(fields, kind),
    http: kind === 'http' ? httpSpec(fields) : undefined,
    ...(restartLimit === undefined ? {} : { restartLimit }),
  };
}

function resolveTopLevelCheck(
  name: string,
  fields: Fields,
  httpPort: number | undefined,
): TopLevelCheck {
  const kind = fields.type === 'http' ? 'http' : 'tcp';
  return {
    name,
    kind,
    port: num(fields.port) ?? httpPort,
    ...timing(fields, kind),
    http: kind === 'http' ? httpSpec(fields) : undefined,
  };
}

function timing(fields: Fields, kind: 'tcp' | 'http'): CheckTiming {
  return {
    intervalMs: num(fields.interval) ?? DEFAULTS.checkIntervalMs,
    timeoutMs: num(fields.timeout) ?? DEFAULTS.checkTimeoutMs,
    gracePeriodMs: num(fields.grace_period) ?? DEFAULTS.checkGracePeriodMs,
    defaulted: defaultedCheckFields(fields, kind),
  };
}

const CHECK_KEYS: readonly (readonly [string, DefaultedCheckField, 'tcp' | 'http'])[] = [
  ['interval', 'intervalMs', 'tcp'],
  ['timeout', 'timeoutMs', 'tcp'],
  ['grace_period', 'gracePeriodMs', 'tcp'],
  ['method', 'method', 'http'],
  ['path', 'path', 'http'],
  ['protocol', 'protocol', 'http'],
];

function defaultedCheckFields(fields: Fields, kind: 'tcp' | 'http'): DefaultedCheckField[] {
  return CHECK_KEYS.filter(
    ([key, , applies]) => (applies === 'tcp' || kind === 'http') && fields[key] === undefined,
  ).map(([, field]) => field);
}

function httpSpec(fields: Fields): HttpCheckSpec {
  return {
    method: (text(fields.method) ?? DEFAULTS.checkMethod).toUpperCase(),
    path: text(fields.path) ?? DEFAULTS.checkPath,
    protocol: text(fields.protocol) ?? DEFAULTS.checkProtocol,
    tlsSkipVerify: fields.tls_skip_verify === true,
    tlsServerName: text(fields.tls_server_name),
    headers: { ...(asRecord(fields.headers) as Record<string, string>) },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
