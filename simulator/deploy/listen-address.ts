// flyctl's listen-address warning (reference §2.7): after a machine of a group is healthy, look
// for a non-loopback listener on every TCP service's internal_port. flyctl reads the machine's
// process list; flysim reads the kernel's socket tables inside the container
// (`cat /proc/net/tcp /proc/net/tcp6` through the runtime's exec), which any image has.

import { resolveChecks } from '../platform/machine-config.js';
import type { Machine } from '../platform/machine.js';
import type { DeployContext } from './deploy-context.js';
import { withDeadline } from './machine-wait.js';
import { LISTEN_CHECK_MIN_WINDOW_MS } from './options.js';

export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
}

const LISTEN_STATE = '0A';
const LOOPBACK = new Set(['127.0.0.1', '::1']);
const POLL_MS = 1_000;

/** Reads the LISTEN sockets out of `/proc/net/tcp` and `/proc/net/tcp6` text. */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (fields[3] !== LISTEN_STATE || local === undefined || !local.includes(':')) continue;

    const [hexAddress = '', hexPort = ''] = local.split(':');
    const address = hexAddress.length === 8 ? ipv4(hexAddress) : ipv6(hexAddress);
    sockets.push({ address, port: Number.parseInt(hexPort, 16) });
  }
  return sockets;
}

/** Ports among `ports` with no listener reachable from outside the machine. */
export function unreachablePorts(sockets: readonly ListeningSocket[], ports: readonly number[]) {
  return ports.filter(
    (port) => !sockets.some((socket) => socket.port === port && !LOOPBACK.has(socket.address)),
  );
}

/** Prints flyctl's warning when the app does not listen where the proxy will connect. */
export async function warnAboutListenAddress(ctx: DeployContext, machine: Machine): Promise<void> {
  const ports = (machine.config.services ?? [])
    .filter((service) => service.protocol === 'tcp' && service.internalPort > 0)
    .map((service) => service.internalPort);
  if (ports.length === 0) return;

  const graceMs = Math.max(0, ...resolveChecks(machine.config).map((c) => c.gracePeriodMs));
  const windowMs = Math.max(LISTEN_CHECK_MIN_WINDOW_MS, graceMs);
  let last: ListeningSocket[] = [];
  const settled = await withDeadline(ctx, windowMs, async (signal) => {
    for (;;) {
      last = parseProcNetTcp(
        (await machine.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6']))?.output ?? '',
      );
      if (last.length === 0 || unreachablePorts(last, ports).length === 0) return true;
      await ctx.clock.sleep(POLL_MS, signal, 'pause');
    }
  });
  if (settled === true) return;
  ctx.print(listenWarning(unreachablePorts(last, ports), last), 'warn');
}

function listenWarning(ports: readonly number[], sockets: readonly ListeningSocket[]): string {
  const found = sockets.map((s) => `  (process)      | ${formatAddress(s)}`);
  return [
    'WARNING The app is not listening on the expected address and will not be reachable by fly-proxy.',
    'You can fix this by configuring your app to listen on the following addresses:',
    ...ports.map((port) => `  - 0.0.0.0:${port}`),
    'Found these processes inside the machine with open listening sockets:',
    '  PROCESS        | ADDRESSES',
    '-----------------*-----------------------------------',
    ...found,
  ].join('\n');
}

function formatAddress(socket: ListeningSocket): string {
  return socket.address.includes(':')
    ? `[${socket.address}]:${socket.port}`
    : `${socket.address}:${socket.port}`;
}

// The kernel writes IPv4 addresses as one little-endian 32-bit word.
function ipv4(hex: string): string {
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .reverse()
    .map((byte) => Number.parseInt(byte, 16))
    .join('.');
}

// ...and IPv6 addresses as four little-endian 32-bit words.
function ipv6(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse());
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2)
    groups.push(`${bytes[i] ?? '00'}${bytes[i + 1] ?? '00'}`);
  return compressIpv6(groups.map((group) => Number.parseInt(group, 16).toString(16)));
}

function compressIpv6(groups: readonly string[]): string {
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  if (text.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${groups.slice(6).join(':')}`;
  return text;
}
