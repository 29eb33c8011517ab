import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH_MS, VirtualClock } from '../clock/virtual-clock.js';
import { FakeRuntime } from './fake-runtime.js';

const spec = { image: 'app:1', env: {}, labels: { 'dev.flysim.run': 't' }, publishPorts: [8080] };

async function started(runtime: FakeRuntime): Promise<string> {
  const id = await runtime.createContainer(spec);
  await runtime.startContainer(id);
  return id;
}

describe('FakeRuntime', () => {
  it('should exit with the scripted code after the scripted time', async () => {
    const clock = new VirtualClock();
    const runtime = new FakeRuntime(clock);
    runtime.setProgram('app:1', { exitAfterMs: 300, exitCode: 3 });
    const id = await started(runtime);
    const exit = runtime.waitForExit(id);

    await clock.advance(299);
    expect((await runtime.inspectContainer(id)).state).toBe('running');
    await clock.advance(1);
    await expect(exit).resolves.toEqual({ exitCode: 3, oomKilled: false });
  });

  it('should ignore a scripted signal and die on SIGKILL after the stop timeout', async () => {
    const clock = new VirtualClock();
    const runtime = new FakeRuntime(clock);
    runtime.setProgram('app:1', { ignoreSignals: ['SIGINT'] });
    const id = await started(runtime);
    const stopping = runtime.stopContainer(id, { signal: 'SIGINT', timeoutMs: 5_000 });

    await clock.advance(5_000);
    await stopping;
    expect(runtime.container(id).signals.map((s) => [s.signal, s.atMs - VIRTUAL_EPOCH_MS])).toEqual(
      [
        ['SIGINT', 0],
        ['SIGKILL', 5_000],
      ],
    );
    expect((await runtime.inspectContainer(id)).exitCode).toBe(137);
  });

  it('should refuse connections until the program listens and answer 200 after', async () => {
    const clock = new VirtualClock();
    const runtime = new FakeRuntime(clock);
    runtime.setProgram('app:1', { listenAfterMs: 1_000 });
    const id = await started(runtime);
    const hostPort = runtime.container(id).ports.get(8080) ?? 0;
    const request = { method: 'GET', path: '/health', headers: {} };

    expect(runtime.answerHttp(hostPort, request)).toBe('refused');
    await clock.advance(1_000);
    expect(runtime.answerHttp(hostPort, request)).toEqual({ status: 200 });
  });

  it('should give each start of an image its index so programs can change between starts', async () => {
    const clock = new VirtualClock();
    const runtime = new FakeRuntime(clock);
    runtime.setProgram('app:1', (_spec, startIndex) => ({ exitCode: startIndex, exitAfterMs: 0 }));
    await started(runtime);
    const second = await started(runtime);
    await clock.advance(0);

    await expect(runtime.waitForExit(second)).resolves.toMatchObject({ exitCode: 1 });
  });

  it('should remove containers and networks by label', async () => {
    const runtime = new FakeRuntime(new VirtualClock());
    await runtime.createNetwork('flysim-t', { 'dev.flysim.run': 't' });
    await started(runtime);

    await expect(runtime.removeByLabel('dev.flysim.run', 't')).resolves.toEqual({
      containers: 1,
      networks: 1,
    });
  });
});
