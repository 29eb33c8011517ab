import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NoCandidate } from './balancer.js';
import { edgeHeaders } from './headers.js';

/** The proxy's identity on responses: `Server`, `Via` and the request's id. */
export interface EdgeIdentity {
  readonly server: string;
  readonly via: string;
  readonly requestId: string;
}

/** Fly's proxy error codes that flysim produces (monitoring/error-codes). */
export type ProxyErrorCode = 'PR04' | 'PC01' | 'PU02' | 'PC05';

export function noCandidateLogLine(none: NoCandidate): string {
  return `[PR04] could not find a good candidate within ${none.attempts} attempts at load balancing (${none.reason})`;
}

export function refusedLogLine(internalPort: number): string {
  return (
    `[PC01] instance refused connection. is your app listening on 0.0.0.0:${internalPort}? ` +
    'make sure it is not only listening on 127.0.0.1 ' +
    '(hint: look at your startup logs, servers often print the address they are listening on)'
  );
}

export function failedLogLine(code: ProxyErrorCode, error: Error): string {
  const what =
    code === 'PC05'
      ? 'timed out waiting for the machine to respond'
      : 'request could not be completed';
  return `[${code}] ${what}: ${error.message}`;
}

/** The body of the 503 (Fly's text is not documented; this one says why). */
export function noCandidateBody(none: NoCandidate, waitedMs: number): string {
  return `503 Service Unavailable: no healthy machines to serve this request after waiting ${waitedMs}ms (${none.reason}). [PR04]\n`;
}

export function badGatewayBody(code: ProxyErrorCode): string {
  const why =
    code === 'PC01'
      ? 'the machine refused the connection; is the app listening on 0.0.0.0?'
      : "the machine didn't answer correctly";
  return `502 Bad Gateway: ${why} [${code}]\n`;
}

/** `force_https`: the same host (with the HTTPS listener's port when it is not 443), path and query. */
export function redirectLocation(
  hostHeader: string | undefined,
  url: string,
  httpsPort: number,
): string {
  const host = hostname(hostHeader ?? 'localhost');
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return `https://${host}${port}${url}`;
}

function hostname(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  edge: EdgeIdentity,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return void res.destroy();

  res.writeHead(status, {
    ...edgeHeaders(edge),
    ...extra,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** An answer on a socket that has no `ServerResponse` (upgrades, client errors). */
export function sendRaw(
  socket: Duplex,
  status: number,
  reason: string,
  body: string,
  edge?: EdgeIdentity,
  extra: Record<string, string> = {},
): void {
  if (!socket.writable) return void socket.destroy();

  const headers = { ...(edge ? edgeHeaders(edge) : {}), ...extra };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n${lines.join('')}content-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
