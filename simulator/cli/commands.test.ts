import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlServer } from './control-server.js';
import { FakeHost, fakeMachine, fakeResult } from './fake-host.js';
import { InterruptedError } from './interrupt.js';
import { main } from './main.js';
import { newToken, writeControlState } from './state-file.js';

let dir = '';
let appDir = '';
let stateDir = '';
let emptyStateDir = '';
const host = new FakeHost();
const token = newToken();
const server = new ControlServer({ host, token });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flysim-cli-'));
  appDir = join(dir, 'app');
  stateDir = join(dir, 'state');
  emptyStateDir = join(dir, 'nothing-runs');
  await import('node:fs/promises').then((fs) => fs.mkdir(appDir));
  await writeFile(
    join(appDir, 'fly.toml'),
    'app = "grupo-gad"\n[http_service]\n  internal_port = 8080\n',
  );
  await writeFile(join(dir, 'bad.toml'), 'app = "x"\n[deploy]\n  strategy = "fast"\n');
  const url = await server.listen();
  await writeControlState(stateDir, {
    ...{ url, token, pid: process.pid, app: 'grupo-gad', runId: 'up-test' },
    ...{ configPath: join(appDir, 'fly.toml'), startedAt: new Date().toISOString() },
  });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  host.nextResult = fakeResult('succeeded');
  host.onDeploy = undefined;
  host.machineList = [fakeMachine('3287eeeb342085', 1), fakeMachine('9080e1f7a4d2c8', 1)];
});

/** A terminal unless `stdin` is given, which is piped in and ended. */
async function flysim(
  argv: string[],
  env: Record<string, string> = {},
  isTTY = false,
  interrupt = new AbortController(),
  stdin?: string,
) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: '', err: '' };
  stdout.on('data', (chunk: Buffer) => (chunks.out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (chunks.err += chunk.toString()));
  const code = await main(argv, {
    ...{ stdout, stderr, cwd: appDir, isTTY, interrupt: interrupt.signal },
    stdin:
      stdin === undefined
        ? Object.assign(Readable.from([]), { isTTY: true })
        : Readable.from([Buffer.from(stdin)]),
    env: { FLYSIM_STATE_DIR: stateDir, ...env },
  });
  return { code, ...chunks };
}

const noPlatform = { FLYSIM_STATE_DIR: '' };

describe('bad input', () => {
  it('should exit 2 with one line naming an unknown flag, and no stack', async () => {
    const result = await flysim(['deploy', '--strategy', 'x']);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'Error: unknown flag --strategy for `flysim deploy`; run `flysim deploy --help` for its flags\n',
    );
  });

  it('should exit 2 for a bad --speed, naming the value and the fix', async () => {
    const result = await flysim(['up', '--speed', 'fast']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /^Error: --speed expects a number above 0, got "fast"; pass --speed 1/,
    );
    expect(result.err.split('\n')).toHaveLength(2);
  });

  it('should exit 2 for a missing fly.toml, naming the path', async () => {
    const result = await flysim(['deploy', '--once', '--config', join(dir, 'missing.toml')]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`Error: no config file at ${join(dir, 'missing.toml')}; pass`);
    expect(result.err).not.toContain('    at ');
  });

  it('should exit 2 for an invalid fly.toml, with its file:line problems', async () => {
    const result = await flysim(['deploy', '--once', '-c', join(dir, 'bad.toml')]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${join(dir, 'bad.toml')}:3:`);
    expect(result.err).toContain('is not a valid app configuration');
  });

  it.each([['status'], ['machines', 'list'], ['releases'], ['checks', 'list'], ['logs'], ['down']])(
    'should tell `%s` with no platform to run flysim up or deploy --once',
    async (...argv) => {
      const result = await flysim(argv, { FLYSIM_STATE_DIR: emptyStateDir });
      expect(result.code).toBe(2);
      expect(result.err).toMatch(
        /^Error: no flysim platform is running for this app .*; start one with `flysim up` in another terminal, or use `flysim deploy --once`\n$/,
      );
    },
  );

  it('should say the same for deploy without --once', async () => {
    const result = await flysim(['deploy'], { FLYSIM_STATE_DIR: emptyStateDir });
    expect(result.code).toBe(2);
    expect(result.err).toContain('flysim deploy --once');
  });

  it('should exit 2 for an unknown command', async () => {
    expect((await flysim(['launch'])).code).toBe(2);
  });
});

describe('talking to a running platform', () => {
  it('should print status like fly status', async () => {
    const result = await flysim(['status']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('  Name     = grupo-gad\n');
    expect(result.out).toMatch(
      /PROCESS\tID\s+\tVERSION\tREGION\tSTATE\s+\tROLE\tCHECKS\s+\tLAST UPDATED/,
    );
    expect(result.out).toContain('1 total, 1 passing');
  });

  it('should print status --json as the view object', async () => {
    const result = await flysim(['status', '--json']);
    expect(JSON.parse(result.out)).toMatchObject({
      app: 'grupo-gad',
      machines: [{ id: '3287eeeb342085' }, {}],
    });
  });

  it('should list machines, releases and checks as flyctl tables', async () => {
    const machines = await flysim(['machines', 'list']);
    expect(machines.out).toContain('2 machines have been retrieved from app grupo-gad.');
    expect(machines.out).toMatch(/^3287eeeb342085\tmachine-3287\tstarted/m);

    const releases = await flysim(['releases']);
    expect(releases.out.split('\n')[0]).toMatch(/^VERSION\tSTATUS\s+\tDESCRIPTION\tUSER\s+\tDATE/);
    expect(releases.out.split('\n')[1]).toMatch(/^v2\s+\tfailed/);

    const checks = await flysim(['checks', 'list']);
    expect(checks.out).toContain('Health Checks for grupo-gad');
    expect(checks.out).toMatch(/servicecheck-00-http-8080 \| passing \| 3287eeeb342085/);
  });

  it('should print logs in fly logs format, filtered by -i, with --no-tail', async () => {
    const all = await flysim(['logs', '--no-tail']);
    expect(all.out).toBe(
      '2026-06-01T04:23:52Z app[3287eeeb342085] mad [info]listening on 0.0.0.0:8080\n',
    );
    expect((await flysim(['logs', '--no-tail', '-i', 'ffffffffffffff'])).out).toBe('');
  });

  it('should set secrets with a restart-only deploy, and stage them with --stage', async () => {
    const set = await flysim(['secrets', 'set', 'API_TOKEN=s3cr3t-value']);
    expect(set.code).toBe(0);
    expect(set.out).toContain('Updating existing machines');
    expect(set.out + set.err).not.toContain('s3cr3t-value');

    const staged = await flysim(['secrets', 'set', '--stage', 'OTHER=x']);
    expect(staged.out).toContain('Secrets have been staged');

    const list = await flysim(['secrets', 'list']);
    expect(list.out.split('\n')[0]).toMatch(/^NAME\s+\tDIGEST\s+\tSTATUS$/);
    expect(list.out).toContain('API_TOKEN\ta1b2c3d4e5f60718\tDeployed');
    expect(list.out).toContain('* OTHER');
    expect(list.out).toContain('There is 1 secret not deployed.');
  });

  it('should read a NAME=- value and import lines from stdin, printing neither', async () => {
    const piped = await flysim(['secrets', 'set', 'PIPED=-'], {}, false, undefined, ' p1p3d\n');
    const lines = 'IMPORTED_A=first\n# a comment\nIMPORTED_B="second"\n';
    const imported = await flysim(['secrets', 'import'], {}, false, undefined, lines);

    expect([piped.code, imported.code]).toEqual([0, 0]);
    expect(host.secretValues.get('PIPED')).toBe('p1p3d');
    expect(host.secretValues.get('IMPORTED_A')).toBe('first');
    expect(host.secretValues.get('IMPORTED_B')).toBe('second');
    const printed = piped.out + piped.err + imported.out + imported.err;
    for (const value of ['p1p3d', 'first', 'second']) expect(printed).not.toContain(value);
  });

  it('should exit 2 when NAME=- finds a terminal, or import finds no pair', async () => {
    const terminal = await flysim(['secrets', 'set', 'PIPED=-']);
    expect(terminal.code).toBe(2);
    expect(terminal.err).toBe(
      'Error: secret `PIPED` expects standard input but none provided; pipe it in, e.g. `printf %s "$VALUE" | flysim secrets set NAME=-`\n',
    );
    const empty = await flysim(['secrets', 'import'], {}, false, undefined, '# nothing\n');
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('requires at least one SECRET=VALUE pair');
  });

  it('should exit 1 when the restart-only deploy of secrets set fails', async () => {
    host.nextResult = fakeResult('failed');
    expect((await flysim(['secrets', 'set', 'A=b'])).code).toBe(1);
  });

  it('should ask the platform to shut down on down', async () => {
    const before = host.shutdownRequests;
    const answer = flysim(['down']);
    await expect.poll(() => host.shutdownRequests).toBe(before + 1);
    // The fake host keeps running: remove its state file as the real `up` does at the end.
    const { removeControlState } = await import('./state-file.js');
    await removeControlState(stateDir, 'up-test');
    expect((await answer).code).toBe(0);
  });
});

describe('deploy through the control API', () => {
  // `down` above removed the state file: write it again.
  beforeEach(async () => {
    await writeControlState(stateDir, {
      ...{ url: server.url, token, pid: process.pid, app: 'grupo-gad', runId: 'up-test' },
      ...{ configPath: join(appDir, 'fly.toml'), startedAt: new Date().toISOString() },
    });
  });

  it('should print exactly one JSON object with --json and exit 0 when it succeeded', async () => {
    const result = await flysim(['deploy', '--json', '-e', 'LOG_LEVEL=debug', '--explain']);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.out) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual([
      'app',
      'release',
      'status',
      'phase',
      'machines',
      'durations',
    ]);
    expect(printed).toMatchObject({
      app: 'grupo-gad',
      release: {
        version: 1,
        image: expect.stringMatching(/^registry\.fly\.io\/grupo-gad:deployment-/) as unknown,
      },
      status: 'succeeded',
      phase: 'done',
    });
    expect(host.deploys.at(-1)).toMatchObject({
      env: { LOG_LEVEL: 'debug' },
      explain: true,
      presentation: { mode: 'json' },
    });
  });

  it('should exit 1 and include the error when the deploy failed', async () => {
    host.nextResult = fakeResult('failed');
    const result = await flysim(['deploy', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({
      status: 'failed',
      error: { code: 'FLYSIM_DEPLOY_WAIT_HEALTHY' },
    });
  });

  it('should exit 130 when Ctrl-C stopped the deploy', async () => {
    const interrupt = new AbortController();
    host.nextResult = fakeResult('failed');
    host.onDeploy = () => interrupt.abort(new InterruptedError('SIGINT'));
    const result = await flysim(['deploy'], {}, false, interrupt);
    expect(result.code).toBe(130);
  });

  it('should ask for live lines on a terminal and plain ones under CI=true or a pipe', async () => {
    await flysim(['deploy'], {}, true);
    expect(host.deploys.at(-1)?.presentation).toEqual({ mode: 'tty', color: true });
    await flysim(['deploy'], { NO_COLOR: '1' }, true);
    expect(host.deploys.at(-1)?.presentation).toEqual({ mode: 'tty', color: false });
    await flysim(['deploy'], { CI: 'true' }, true);
    expect(host.deploys.at(-1)?.presentation).toEqual({ mode: 'plain', color: false });
    const piped = await flysim(['deploy']);
    expect(host.deploys.at(-1)?.presentation).toEqual({ mode: 'plain', color: false });
    expect(piped.out).toBe('==> Verifying app config (plain)\n');
    expect(piped.err).toBe('WARNING a line on stderr\n');
  });
});

describe('flysim config', () => {
  it('should keep working through the new dispatch', async () => {
    const result = await flysim(['config', 'validate'], noPlatform);
    expect(result.out).toContain('✓ Configuration is valid');
    expect(result.code).toBe(0);
  });
});
