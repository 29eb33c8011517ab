import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root: bins run from there, as the image runs them from /app. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Secrets of the required length, recognisable if one ever leaks into output. */
export const TEST_SECRET_KEY = 'test-secret-key-'.padEnd(40, 's');
export const TEST_JWT_SECRET_KEY = 'test-jwt-secret-key-'.padEnd(40, 'j');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `performance.now()` when the process ended. */
  readonly atMs: number;
}

/** A bin run as a child process with a controlled environment, as the platform would. */
export class AppProcess {
  readonly #child: ChildProcess;
  readonly startedAtMs = performance.now();
  readonly exited: Promise<Exit>;
  #stdout = '';
  #stderr = '';

  /** `compiled` runs `service/dist/` (what the image runs; build it first) instead of tsx. */
  constructor(
    bin: 'server' | 'migrate',
    env: Readonly<Record<string, string>>,
    options: { compiled?: boolean } = {},
  ) {
    const args = options.compiled
      ? [`service/dist/bin/${bin}.js`]
      : ['--import', 'tsx', `service/src/bin/${bin}.ts`];
    this.#child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      // Only PATH and HOME from the outside: the app must see exactly the variables a test set.
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? '/',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.#stdout += chunk));
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));

    this.exited = once(this.#child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      atMs: performance.now(),
    }));
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves with the first stdout line matching `pattern`; rejects on exit or timeout. */
  async waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = performance.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));

    while (performance.now() < deadline) {
      const match = this.#stdout
        .split('\n')
        .map((line) => pattern.exec(line))
        .find(Boolean);
      if (match) return match;
      if (exited) break;
      await sleep(20);
    }
    throw new Error(`no line matching ${pattern} within ${timeoutMs}ms${this.#describe()}`);
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Rejects if the process does not end within `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<Exit> {
    const timeout = sleep(timeoutMs).then(() => {
      throw new Error(`process still running after ${timeoutMs}ms${this.#describe()}`);
    });
    return Promise.race([this.exited, timeout]);
  }

  /** For afterEach/afterAll: whatever state it is in, it is gone afterwards. */
  async kill(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;

    this.#child.kill('SIGKILL');
    await this.exited;
  }

  #describe(): string {
    return `\n--- stdout:\n${this.#stdout}\n--- stderr:\n${this.#stderr}`;
  }
}

/** Starts the web app on a port the OS picks and returns it with its base URL once listening. */
export async function startServer(
  env: Readonly<Record<string, string>>,
  options: { compiled?: boolean } = {},
): Promise<{ app: AppProcess; baseUrl: string; port: number }> {
  const app = new AppProcess('server', { PORT: '0', ...env }, options);
  const [, port] = await app.waitForLine(/listening on 0\.0\.0\.0:(\d+)$/);
  return { app, baseUrl: `http://127.0.0.1:${port}`, port: Number(port) };
}

/** Polls until `/health/ready` answers 200 (Redis connects a moment after listening). */
export async function waitUntilReady(baseUrl: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';

  while (performance.now() < deadline) {
    const response = await fetch(`${baseUrl}/health/ready`).catch((error: unknown) => error);
    if (response instanceof Response && response.ok) return;

    last =
      response instanceof Response
        ? `${response.status} ${await response.text()}`
        : String(response);
    await sleep(50);
  }
  throw new Error(`${baseUrl}/health/ready not 200 within ${timeoutMs}ms; last: ${last}`);
}

/** A port nothing listens on (bound and released just now): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Compiles `service/src` to `service/dist` exactly as `npm run build -w service` does. */
export async function buildService(): Promise<void> {
  const tsc = spawn(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'service/tsconfig.build.json'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  tsc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  tsc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const [code] = (await once(tsc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`tsc -p service/tsconfig.build.json failed:\n${output}`);
}
