// Keys flysim reads but does not emulate. Each gets one notice, so nothing is silently dropped.

import { isTable, type DecodeContext } from './decode.js';
import type { KeyPath } from './positions.js';

/** Key pattern (array items as `[]`) -> what flysim does instead. */
export const NOT_EMULATED: Readonly<Record<string, string>> = {
  swap_size_mb: 'machines run without swap',
  console_command: 'there is no `fly console` in flysim',
  host_dedication_id: 'every machine runs on this one host',
  machine_config:
    'deploy merges it into the machine config; the platform reads only what it models',
  container: 'machines run one container',
  statics: 'static files are not served by the proxy; the app serves every path',
  files: 'no files are written into machines',
  mounts: 'no volume is attached; the destination is part of the container filesystem',
  mount: 'no volume is attached; the destination is part of the container filesystem',
  vm: 'machine size (cpus, memory) is not enforced',
  compute: 'machine size (cpus, memory) is not enforced',
  computes: 'machine size (cpus, memory) is not enforced',
  metrics: 'metrics are not scraped',
  metric: 'metrics are not scraped',
  machine_checks: 'machine checks (test machines) are not run',
  'build.builder': 'only Dockerfile builds and prebuilt images are supported',
  'build.builtin': 'only Dockerfile builds and prebuilt images are supported',
  'build.buildpacks': 'only Dockerfile builds and prebuilt images are supported',
  'build.settings': 'only Dockerfile builds and prebuilt images are supported',
  'build.compose': 'compose builds are not supported',
  'build.compression': 'images are not pushed, so not compressed',
  'build.compression_level': 'images are not pushed, so not compressed',
  'deploy.release_command_vm': 'the release machine has no size limits',
  'deploy.seed_command': 'seed commands are not run',
  'experimental.enable_consul': 'there is no Consul',
  'experimental.enable_etcd': 'there is no etcd',
  'experimental.lazy_load_images': 'images are loaded by the local engine',
  'experimental.auto_rollback': 'flyctl itself ignores it for Machines: no automatic rollback',
  'experimental.machine_config':
    'deploy merges it into the machine config; the platform reads only what it models',
  'experimental.attached': 'attached secrets are not exported',
  'http_service.auto_stop_machines': 'machines are never stopped for idleness',
  'http_service.auto_start_machines': 'machines are never started by the proxy',
  'http_service.min_machines_running': 'machines are never stopped for idleness',
  'http_service.http_options': 'the proxy does not apply http_options',
  'http_service.machine_checks': 'machine checks (test machines) are not run',
  'services.[].auto_stop_machines': 'machines are never stopped for idleness',
  'services.[].auto_start_machines': 'machines are never started by the proxy',
  'services.[].min_machines_running': 'machines are never stopped for idleness',
  'services.[].machine_checks': 'machine checks (test machines) are not run',
  'services.[].ports.[].http_options': 'the proxy does not apply http_options',
  'services.[].ports.[].proxy_proto_options': 'the proxy does not send PROXY protocol headers',
};

/** Walks the parsed file and gives each not-emulated key one notice. */
export function noticeNotEmulated(raw: unknown, ctx: DecodeContext): void {
  walk(raw, [], ctx);
}

function walk(value: unknown, path: KeyPath, ctx: DecodeContext): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, [...path, i], ctx));
    return;
  }
  if (!isTable(value) || path.length > 4) return;

  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    const pattern = childPath.map((part) => (typeof part === 'number' ? '[]' : part)).join('.');
    const instead = NOT_EMULATED[pattern];
    if (instead === undefined) walk(child, childPath, ctx);
    else notice(ctx, pattern, childPath, instead);
  }
}

function notice(ctx: DecodeContext, pattern: string, path: KeyPath, instead: string): void {
  const key = pattern.replace(/\.\[\]/g, '[]');
  ctx.noticeOnce(pattern, path, `\`${key}\` is read but not emulated`, `flysim: ${instead}`);
}
