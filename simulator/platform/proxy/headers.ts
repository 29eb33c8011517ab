import { randomFillSync } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** Connection-level headers one hop must not pass to the next (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  // Node answers `Expect: 100-continue` itself before the request reaches the proxy.
  'expect',
]);

/** Set by the proxy alone: a client's own values are dropped, as Fly does. */
const PROXY_OWNED = new Set([
  'fly-client-ip',
  'fly-forwarded-port',
  'fly-region',
  'fly-request-id',
  'x-forwarded-proto',
  'x-forwarded-ssl',
]);

/** What the proxy knows about the hop a request came in on. */
export interface HopFacts {
  readonly clientIp: string;
  /** The address the client connected to: the rightmost X-Forwarded-For entry, as on Fly. */
  readonly edgeIp: string;
  /** The service's public port (`[[services.ports]] port`), not flysim's host port. */
  readonly publicPort: number;
  readonly tls: boolean;
  readonly region: string;
  readonly requestId: string;
}

/** Crockford's base32, the ULID alphabet. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

/**
 * `<ULID>-<edge region>`, the shape of Fly's `Fly-Request-Id`. The ULID is made here rather than
 * by the `ulid` package, which asks the OS for randomness on every call: on the proxy's hot path
 * that cost 2.6 % of CPU, and a pooled buffer makes it negligible.
 */
export function newRequestId(region: string): string {
  return `${encodeTime(Date.now())}${encodeRandom()}-${region}`;
}

function encodeTime(ms: number): string {
  let text = '';
  for (let index = 0, rest = ms; index < 10; index++, rest = Math.floor(rest / 32))
    text = (CROCKFORD[rest % 32] ?? '0') + text;
  return text;
}

function encodeRandom(): string {
  if (randomOffset + 16 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  let text = '';
  for (let index = 0; index < 16; index++)
    text += CROCKFORD[(randomPool[randomOffset++] ?? 0) & 31];
  return text;
}

/** `Via` for the client's HTTP version: `2 fly.io` or `1.1 fly.io`. */
export function viaValue(httpVersion: string): string {
  return `${httpVersion === '2.0' ? '2' : httpVersion} fly.io`;
}

/**
 * The request headers for the machine, as a flat `[name, value, ...]` list (what undici takes
 * fastest): the client's own minus hop-by-hop and proxy-owned ones, then Fly's (§4.3).
 */
export function upstreamRequestHeaders(req: IncomingMessage, hop: HopFacts): string[] {
  const raw = req.rawHeaders;
  const dropped = connectionTokens(req.headers);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let via: string | undefined;
  let forwardedPort: string | undefined;

  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] ?? '';
    const value = raw[index + 1] ?? '';
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') forwardedFor = join(forwardedFor, value);
    else if (lower === 'via') via = join(via, value);
    else if (lower === 'x-forwarded-port') forwardedPort ??= value;
    else if (!HOP_BY_HOP.has(lower) && !PROXY_OWNED.has(lower) && !dropped?.has(lower))
      out.push(name, value);
  }

  pushFlyHeaders(out, hop, forwardedFor, forwardedPort);
  out.push('via', join(via, viaValue(req.httpVersion)));
  return out;
}

function pushFlyHeaders(
  out: string[],
  hop: HopFacts,
  forwardedFor: string | undefined,
  forwardedPort: string | undefined,
): void {
  const port = String(hop.publicPort);
  out.push('fly-client-ip', hop.clientIp);
  out.push('x-forwarded-for', join(forwardedFor, `${hop.clientIp}, ${hop.edgeIp}`));
  out.push('x-forwarded-proto', hop.tls ? 'https' : 'http');
  out.push('x-forwarded-ssl', hop.tls ? 'on' : 'off');
  out.push('x-forwarded-port', forwardedPort ?? port);
  out.push('fly-forwarded-port', port);
  out.push('fly-region', hop.region);
  out.push('fly-request-id', hop.requestId);
}

/** The machine's response headers for the client, minus hop-by-hop, plus Fly's. */
export function clientResponseHeaders(
  headers: IncomingHttpHeaders,
  edge: { readonly server: string; readonly via: string; readonly requestId: string },
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const dropped = connectionTokens(headers);
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || dropped?.has(name)) continue;
    out[name] = headers[name];
  }

  out.server = edge.server;
  out.via = join(headerText(headers.via), edge.via);
  out['fly-request-id'] = edge.requestId;
  return out;
}

/** The headers a response the proxy makes itself carries (301, 502, 503). */
export function edgeHeaders(edge: {
  readonly server: string;
  readonly via: string;
  readonly requestId: string;
}): OutgoingHttpHeaders {
  return { server: edge.server, via: edge.via, 'fly-request-id': edge.requestId };
}

/** Header names listed in `Connection`, which are hop-by-hop for this message only. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> | undefined {
  const value = headers.connection;
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;

  return new Set(value.split(',').map((token) => token.trim().toLowerCase()));
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function join(list: string | undefined, value: string): string {
  return list === undefined || list === '' ? value : `${list}, ${value}`;
}
