import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ResolvedCheck } from './machine-config.js';

/** One attempt of a check against a machine, through its port published on the host. */
export interface ProbeTarget {
  readonly check: ResolvedCheck;
  readonly host: string;
  readonly hostPort: number;
}

export interface ProbeResult {
  readonly passed: boolean;
  /** What `fly checks list` shows in OUTPUT, e.g. `connect: connection refused`. */
  readonly output: string;
}

/** Runs one check attempt; never throws, and ends early when `signal` aborts (the timeout). */
export interface CheckProber {
  probe(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult>;
}

export const TIMEOUT_OUTPUT = 'context deadline exceeded';
export const REFUSED_OUTPUT = 'connect: connection refused';

/**
 * How long a TCP connection must stay open to count as accepted. Docker's port proxy accepts a
 * connection even when nothing listens in the container and closes it at once.
 */
const TCP_SETTLE_MS = 100;

/** Probes over the host network: HTTP(S) without following redirects, or a TCP connect. */
export class NetworkProber implements CheckProber {
  async probe(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
    if (signal.aborted) return { passed: false, output: TIMEOUT_OUTPUT };
    return target.check.type === 'http' ? probeHttp(target, signal) : probeTcp(target, signal);
  }
}

function probeHttp(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const { check } = target;
  const send = check.protocol === 'https' ? httpsRequest : httpRequest;

  return new Promise((resolve) => {
    const request = send(
      {
        ...{ host: target.host, port: target.hostPort, path: check.path, method: check.method },
        ...{ headers: { ...check.headers }, signal, agent: false },
        ...(check.protocol === 'https'
          ? { rejectUnauthorized: !check.tlsSkipVerify, servername: check.tlsServerName }
          : {}),
      },
      (response) => resolve(httpResult(response)),
    );
    request.on('error', (error) =>
      resolve({ passed: false, output: networkOutput(error, signal) }),
    );
    request.end();
  });
}

/** Pass is any 2xx; a redirect is a failure because checks never follow it (§3.2). */
function httpResult(response: IncomingMessage): ProbeResult {
  const status = response.statusCode ?? 0;
  response.resume();
  response.destroy();
  return {
    passed: status >= 200 && status < 300,
    output: `${status} ${response.statusMessage ?? ''}`.trim(),
  };
}

function probeTcp(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.hostPort, signal });
    let settle: NodeJS.Timeout | undefined;
    const finish = (result: ProbeResult): void => {
      clearTimeout(settle);
      socket.destroy();
      resolve(result);
    };

    socket.once('connect', () => {
      settle = setTimeout(() => finish({ passed: true, output: 'Success' }), TCP_SETTLE_MS);
    });
    socket.once('close', () => finish({ passed: false, output: REFUSED_OUTPUT }));
    socket.once('error', (error) =>
      finish({ passed: false, output: networkOutput(error, signal) }),
    );
  });
}

function networkOutput(error: Error, signal: AbortSignal): string {
  if (signal.aborted) return TIMEOUT_OUTPUT;

  const code = 'code' in error ? error.code : undefined;
  if (code === 'ECONNREFUSED') return REFUSED_OUTPUT;
  if (code === 'ECONNRESET' || error.message === 'socket hang up')
    return 'read: connection reset by peer';
  return error.message;
}
