// A ControlHost without Docker, for unit tests of the control API and the commands.

import type { DeployResult } from '../deploy/deploy-result.js';
import type {
  CheckView,
  ControlHost,
  DeployCommandRequest,
  LogQuery,
  MachineView,
  ReleaseView,
  SecretsCommandRequest,
  SecretsOutcome,
  SecretView,
  StatusView,
  StreamSink,
} from './control-api.js';

export const FAKE_APP = 'grupo-gad';

export function fakeMachine(id: string, releaseVersion: number): MachineView {
  return {
    ...{ id, name: `machine-${id.slice(0, 4)}`, state: 'started', processGroup: 'app' },
    ...{ region: 'mad', image: `registry.fly.io/${FAKE_APP}:deployment-01TEST` },
    ...{ version: '01J000000000000000000000AA', releaseVersion, restarts: 0 },
    checks: { total: 1, passing: 1, warning: 0, critical: 0 },
    ...{ createdAt: '2026-06-01T04:23:52.000Z', updatedAt: '2026-06-01T04:24:10.000Z' },
    hostPorts: { '8080': 49153 },
  };
}

export function fakeResult(status: 'succeeded' | 'failed', version = 1): DeployResult {
  const machines = [fakeMachine('3287eeeb342085', version), fakeMachine('9080e1f7a4d2c8', version)];
  return {
    app: FAKE_APP,
    release: { version, image: `registry.fly.io/${FAKE_APP}:deployment-01TEST` },
    status,
    phase: status === 'succeeded' ? 'done' : 'update_machines',
    ...(status === 'failed'
      ? { error: { code: 'FLYSIM_DEPLOY_WAIT_HEALTHY', message: 'timeout', hint: undefined } }
      : {}),
    machines: machines.map((m) => ({
      ...{ id: m.id, name: m.name, processGroup: 'app', state: m.state, version: m.version },
      ...{ releaseVersion: version, restarts: 0, outcome: 'created' as const },
    })),
    durations: { verify: 3, build: 1200, release_command: 900, create_machines: 4000 },
  };
}

/** Records what it was asked; answers with fixed views and `nextResult`. */
export class FakeHost implements ControlHost {
  nextResult: DeployResult = fakeResult('succeeded');
  /** Runs while a deploy is in progress, e.g. to press Ctrl-C. */
  onDeploy: (() => void) | undefined;
  readonly deploys: DeployCommandRequest[] = [];
  readonly secretValues = new Map<string, string>();
  readonly staged = new Set<string>();
  shutdownRequests = 0;
  machineList: MachineView[] = [];
  logLines = ['2026-06-01T04:23:52Z app[3287eeeb342085] mad [info]listening on 0.0.0.0:8080'];

  async status(): Promise<StatusView> {
    return {
      ...{ app: FAKE_APP, hostname: `${FAKE_APP}.fly.dev`, runId: 'up-test', speed: 10 },
      ...{ configPath: '/app/fly.toml', image: undefined, deploying: false },
      machines: this.machineList,
      services: [{ kind: 'postgres', hostname: `${FAKE_APP}-db.internal`, state: 'started' }],
      proxy: { running: false, urls: [], certificatePath: undefined, note: 'not started' },
      urls: ['http://127.0.0.1:49153'],
    };
  }

  async machines(): Promise<readonly MachineView[]> {
    return this.machineList;
  }

  async releases(): Promise<readonly ReleaseView[]> {
    return [
      {
        version: 1,
        status: 'complete',
        description: 'Release',
        image: 'img:1',
        createdAt: '2026-06-01T04:23:52.000Z',
      },
      {
        version: 2,
        status: 'failed',
        description: 'Release',
        image: 'img:2',
        createdAt: '2026-06-01T05:00:00.000Z',
      },
    ];
  }

  async checks(): Promise<readonly CheckView[]> {
    return [
      {
        ...{ name: 'servicecheck-00-http-8080', kind: 'service', machineId: '3287eeeb342085' },
        ...{ status: 'passing', output: '[✓] 200 OK', updatedAt: '2026-06-01T04:24:10.000Z' },
      },
    ];
  }

  async secrets(): Promise<readonly SecretView[]> {
    return [...this.secretValues.keys()].sort().map((name) => ({
      ...{ name, digest: 'a1b2c3d4e5f60718' },
      status: this.staged.has(name) ? 'Staged' : 'Deployed',
    }));
  }

  async deploy(request: DeployCommandRequest, sink: StreamSink): Promise<DeployResult> {
    this.deploys.push(request);
    sink.out(`==> Verifying app config (${request.presentation.mode})\n`);
    sink.err('WARNING a line on stderr\n');
    this.onDeploy?.();
    return this.nextResult;
  }

  async setSecrets(
    values: Readonly<Record<string, string>>,
    request: SecretsCommandRequest,
    sink: StreamSink,
  ): Promise<SecretsOutcome> {
    for (const [name, value] of Object.entries(values)) {
      this.secretValues.set(name, value);
      if (request.stage) this.staged.add(name);
      else this.staged.delete(name);
    }
    if (request.stage) return { message: 'Secrets have been staged', deploy: undefined };
    sink.out('Updating existing machines\n');
    return { message: undefined, deploy: this.nextResult };
  }

  async unsetSecrets(names: readonly string[]): Promise<SecretsOutcome> {
    for (const name of names) this.secretValues.delete(name);
    return { message: undefined, deploy: this.nextResult };
  }

  async deploySecrets(): Promise<SecretsOutcome> {
    this.staged.clear();
    return { message: undefined, deploy: this.nextResult };
  }

  async logs(query: LogQuery): Promise<readonly string[]> {
    return this.logLines.filter(
      (line) => query.machineId === undefined || line.includes(query.machineId),
    );
  }

  async *followLogs(query: LogQuery, signal: AbortSignal): AsyncIterable<string> {
    yield* await this.logs(query);
    await new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }

  requestShutdown(): void {
    this.shutdownRequests++;
  }
}
