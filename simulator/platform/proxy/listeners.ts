import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type SecureVersion } from 'node:tls';
import { FlysimError } from '../../errors.js';
import type { EdgeCertificate } from './certificate.js';
import type { ProxyService, ProxyServicePort, ResolvedProxyOptions } from './options.js';
import { sendRaw } from './responses.js';

/** One public port of one service, and how flysim serves it. */
export interface PortRoute {
  readonly service: ProxyService;
  readonly port: number;
  readonly handlers: readonly string[];
  /** `http` handler: the proxy speaks HTTP and adds Fly's headers. */
  readonly http: boolean;
  /** `tls` handler: the listener ends TLS with the edge certificate. */
  readonly tls: boolean;
  readonly forceHttps: boolean;
  readonly alpn: readonly string[];
  readonly versions: { readonly min: SecureVersion; readonly max: SecureVersion };
}

/** A listening port, as the CLI prints it. */
export interface ProxyListener {
  readonly port: number;
  readonly hostPort: number;
  readonly handlers: readonly string[];
  readonly url: string;
}

export interface Warning {
  readonly key: string;
  readonly message: string;
}

const HANDLED = new Set(['http', 'tls']);
const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];

/** Reads the services' ports into routes, with a warning for each thing flysim does not do. */
export function planRoutes(services: readonly ProxyService[]): {
  routes: PortRoute[];
  warnings: Warning[];
} {
  const routes: PortRoute[] = [];
  const warnings: Warning[] = [];
  services.forEach((service, index) =>
    service.ports.forEach((port, portIndex) => {
      const key = `services[${index}].ports[${portIndex}]`;
      const route = planRoute(service, port, key, warnings);
      if (route) routes.push(route);
    }),
  );
  return { routes, warnings };
}

function planRoute(
  service: ProxyService,
  port: ProxyServicePort,
  key: string,
  warnings: Warning[],
): PortRoute | undefined {
  if (port.port === undefined) {
    warnings.push({
      key: `${key}.start_port`,
      message: `flysim does not listen on port ranges (${port.startPort ?? '?'}-${port.endPort ?? '?'}); give each port its own [[services.ports]] entry`,
    });
    return undefined;
  }
  for (const handler of port.handlers.filter((name) => !HANDLED.has(name)))
    warnings.push({
      key: `${key}.handlers`,
      message: `flysim's edge proxy has no \`${handler}\` handler; port ${port.port} relays bytes without it`,
    });

  const http = port.handlers.includes('http');
  const tls = port.handlers.includes('tls');
  return {
    ...{ service, port: port.port, handlers: port.handlers, http, tls },
    forceHttps: port.forceHttps && http,
    alpn: planAlpn(port, http, key, warnings),
    versions: planVersions(port, key, warnings),
  };
}

function planAlpn(
  port: ProxyServicePort,
  http: boolean,
  key: string,
  warnings: Warning[],
): string[] {
  const wanted = port.tlsOptions?.alpn ?? ['h2', 'http/1.1'];
  if (!http) return [...wanted];

  if (wanted.some((protocol) => protocol !== 'http/1.1') && port.tlsOptions?.alpn)
    warnings.push({
      key: `${key}.tls_options.alpn`,
      message: `flysim's HTTP handler speaks HTTP/1.1 only; it offers ALPN \`http/1.1\` instead of ${wanted.join(', ')}`,
    });
  return wanted.includes('http/1.1') || !port.tlsOptions?.alpn ? ['http/1.1'] : [];
}

function planVersions(
  port: ProxyServicePort,
  key: string,
  warnings: Warning[],
): PortRoute['versions'] {
  const asked = port.tlsOptions?.versions ?? TLS_VERSIONS;
  const allowed = TLS_VERSIONS.filter((version) => asked.includes(version));
  if (allowed.length < asked.length)
    warnings.push({
      key: `${key}.tls_options.versions`,
      message: `flysim's edge accepts TLSv1.2 and TLSv1.3 only; ignored ${asked.filter((v) => !allowed.includes(v as SecureVersion)).join(', ')}`,
    });
  const versions = allowed.length > 0 ? allowed : TLS_VERSIONS;
  return { min: versions[0] ?? 'TLSv1.2', max: versions[versions.length - 1] ?? 'TLSv1.3' };
}

export type AnyServer = HttpServer | NetServer;

/** The server for a route; the caller attaches the request, upgrade and connection handlers. */
export function createRouteServer(
  route: PortRoute,
  options: ResolvedProxyOptions,
  certificate: EdgeCertificate,
): AnyServer {
  const tls = {
    cert: certificate.certPem,
    key: certificate.keyPem,
    minVersion: route.versions.min,
    maxVersion: route.versions.max,
    ALPNProtocols: [...route.alpn],
    handshakeTimeout: options.headersTimeoutMs,
  };
  if (!route.http) return route.tls ? createTlsServer(tls) : createNetServer();

  const http = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.idleTimeoutMs,
    maxHeaderSize: options.maxHeaderSize,
    // Node checks the two timeouts above every 30 s by default; a slow client should hear its
    // 408 close to the deadline.
    connectionsCheckingInterval: 1_000,
  };
  const server = route.tls ? createHttpsServer({ ...http, ...tls }) : createHttpServer(http);
  server.on('clientError', answerClientError);
  return server;
}

/** Malformed, oversized or too slow requests get their status; the connection closes. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();

  if (error.code === 'HPE_HEADER_OVERFLOW')
    return sendRaw(
      socket,
      431,
      'Request Header Fields Too Large',
      '431 Request Header Fields Too Large\n',
    );
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return sendRaw(socket, 408, 'Request Timeout', '408 Request Timeout\n');
  sendRaw(socket, 400, 'Bad Request', '400 Bad Request\n');
}

export async function listen(
  server: AnyServer,
  port: number,
  hostPort: number,
  host: string,
): Promise<number> {
  server.listen({ port: hostPort, host });
  try {
    await once(server, 'listening');
  } catch (error) {
    throw cannotListen(port, hostPort, host, error);
  }
  const address = server.address();
  return typeof address === 'object' && address ? address.port : hostPort;
}

function cannotListen(port: number, hostPort: number, host: string, cause: unknown): FlysimError {
  const inUse = cause instanceof Error && 'code' in cause && cause.code === 'EADDRINUSE';
  return new FlysimError(
    'FLYSIM_PROXY_LISTEN_FAILED',
    `The edge proxy could not listen for port ${port} on ${host}:${hostPort}: ${String(cause)}`,
    {
      cause,
      hint: inUse
        ? `Another process holds ${hostPort}; choose another host port for ${port}, or 0 to let the OS pick`
        : 'Check the host address and port in the proxy options',
    },
  );
}
