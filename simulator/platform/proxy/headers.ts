import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { monotonicFactory } from 'ulid';

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

const nextUlid = monotonicFactory();

/** `<ULID>-<edge region>`, the shape of Fly's `Fly-Request-Id`. */
export function newRequestId(region: string): string {
  return `${nextUlid()}-${region}`;
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

  out.push(...flyHeaders(hop, forwardedFor, forwardedPort));
  out.push('via', join(via, viaValue(req.httpVersion)));
  return out;
}

function flyHeaders(
  hop: HopFacts,
  forwardedFor: string | undefined,
  forwardedPort: string | undefined,
): string[] {
  const port = String(hop.publicPort);
  return [
    ...['fly-client-ip', hop.clientIp],
    ...['x-forwarded-for', join(forwardedFor, `${hop.clientIp}, ${hop.edgeIp}`)],
    ...['x-forwarded-proto', hop.tls ? 'https' : 'http'],
    ...['x-forwarded-ssl', hop.tls ? 'on' : 'off'],
    ...['x-forwarded-port', forwardedPort ?? port],
    ...['fly-forwarded-port', port],
    ...['fly-region', hop.region],
    ...['fly-request-id', hop.requestId],
  ];
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
