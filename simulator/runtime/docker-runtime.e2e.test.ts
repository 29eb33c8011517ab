import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveImage } from '../images/stand-ins.js';
import type { OutputLine } from './container-runtime.js';
import { DockerRuntime } from './docker-runtime.js';
import { flysimLabels, LABELS } from './labels.js';

const RUN = `rt-e2e-${process.pid}`;
const labels = flysimLabels({ run: RUN, app: 'rt-test' });
const runtime = new DockerRuntime();
const RETENTION_TAGS = ['a', 'b'].map((name) => `flysim-e2e/retention-${process.pid}:${name}`);
let node = '';
let contextDir = '';

beforeAll(async () => {
  node = await resolveImage('node:20-bookworm-slim', (name) => runtime.hasImage(name));
  contextDir = await mkdtemp(join(tmpdir(), 'flysim-rt-'));
});

afterAll(async () => {
  await runtime.removeByLabel(LABELS.run, RUN);
  for (const image of ['flysim-e2e/rt:ok', 'flysim-e2e/rt:tagged', ...RETENTION_TAGS]) {
    await runtime.inspectImage(image).then((found) => found && removeImage(image));
  }
  await runtime.close();
  await rm(contextDir, { recursive: true, force: true });
});

async function removeImage(name: string): Promise<void> {
  const { execFile } = await import('node:child_process');
  await new Promise((resolve) => execFile('docker', ['image', 'rm', '-f', name], resolve));
}

describe('DockerRuntime', () => {
  it('should build a target with build args, and surface a failing step with its output', async () => {
    const dockerfile = [
      `FROM ${node} AS base`,
      'ARG GREETING',
      'RUN echo "$GREETING" > /greeting',
      'FROM base AS broken',
      'RUN echo "about to fail" && exit 3',
    ].join('\n');
    await writeFile(join(contextDir, 'Dockerfile'), dockerfile);
    const output: string[] = [];

    const image = await runtime.buildImage({
      ...{ contextDir, tag: 'flysim-e2e/rt:ok', target: 'base', labels },
      ...{ buildArgs: { GREETING: 'hola' }, onOutput: (line) => output.push(line) },
    });
    expect(image.labels[LABELS.run]).toBe(RUN);
    expect(output.join('\n')).toContain('Step');

    const broken = runtime.buildImage({
      contextDir,
      tag: 'flysim-e2e/rt:broken',
      target: 'broken',
    });
    await expect(broken).rejects.toThrow(/returned a non-zero code: 3[\s\S]*about to fail/);

    await runtime.tagImage('flysim-e2e/rt:ok', 'flysim-e2e/rt:tagged');
    expect(await runtime.hasImage('flysim-e2e/rt:tagged')).toBe(true);
  });

  it('should run a container with env, labels, a published port, output, exec and exit code', async () => {
    const server =
      "require('http').createServer((q,s)=>s.end(process.env.WHO)).listen(8080,()=>console.log('up'))";
    const id = await runtime.createContainer({
      ...{ image: node, cmd: ['node', '-e', server], env: { WHO: 'machine-1' }, labels },
      publishPorts: [8080],
    });
    const lines: OutputLine[] = [];
    await runtime.followOutput(id, (line) => lines.push(line));
    await runtime.startContainer(id);
    const port = (await runtime.inspectContainer(id)).ports.get(8080) ?? 0;

    await expect.poll(() => lines.map((l) => l.text), { timeout: 10_000 }).toContain('up');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('machine-1');
    expect(await runtime.exec(id, ['node', '-e', 'console.log(6*7)'])).toEqual({
      exitCode: 0,
      output: '42',
    });

    await runtime.killContainer(id, 'SIGTERM');
    await expect(runtime.waitForExit(id)).resolves.toMatchObject({ exitCode: 143 });
  });

  it('should SIGKILL a container that ignores the stop signal once the timeout passes', async () => {
    const ignoreSigint =
      "process.on('SIGINT',()=>{});console.log('ready');setInterval(()=>{},1000)";
    const id = await runtime.createContainer({
      ...{ image: node, cmd: ['node', '-e', ignoreSigint], env: {}, labels },
    });
    const lines: string[] = [];
    await runtime.followOutput(id, (line) => lines.push(line.text));
    await runtime.startContainer(id);
    // The handler must be in place first, or SIGINT's default action ends the app at once.
    await expect.poll(() => lines, { timeout: 10_000 }).toContain('ready');
    const startedAt = Date.now();

    await runtime.stopContainer(id, { signal: 'SIGINT', timeoutMs: 1_000 });
    const info = await runtime.inspectContainer(id);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect([info.state, info.exitCode]).toEqual(['exited', 137]);
  });

  it('should give containers on a network their aliases', async () => {
    const network = `flysim-${RUN}`;
    await runtime.createNetwork(network, labels);
    const server = "require('http').createServer((q,s)=>s.end('pong')).listen(8080)";
    const serverId = await runtime.createContainer({
      ...{ image: node, cmd: ['node', '-e', server], env: {}, labels },
      network: { name: network, aliases: ['rt-test-db.internal'] },
    });
    await runtime.startContainer(serverId);
    const clientId = await runtime.createContainer({
      ...{ image: node, cmd: ['sleep', '60'], env: {}, labels },
      network: { name: network, aliases: [] },
    });
    await runtime.startContainer(clientId);

    const get =
      "setTimeout(()=>require('http').get('http://rt-test-db.internal:8080',r=>r.pipe(process.stdout)),500)";
    await expect(runtime.exec(clientId, ['node', '-e', get])).resolves.toEqual({
      exitCode: 0,
      output: 'pong',
    });

    const removed = await runtime.removeByLabel(LABELS.run, RUN);
    expect(removed.networks).toBe(1);
    expect(removed.containers).toBeGreaterThanOrEqual(2);
  });
  it('should list the tags of a repository and untag all but an image in use', async () => {
    const [shared, alone] = RETENTION_TAGS as [string, string];
    await writeFile(join(contextDir, 'Dockerfile'), `FROM ${node}\nLABEL retention=${RUN}\n`);
    await runtime.buildImage({ contextDir, tag: alone, labels });
    await runtime.tagImage(node, shared);
    const repository = shared.split(':')[0] ?? '';
    expect((await runtime.listImageTags(repository)).sort()).toEqual([shared, alone]);

    await runtime.createContainer({ image: alone, cmd: ['true'], env: {}, labels });
    expect(await runtime.untagImage(alone)).toBe(false);
    expect(await runtime.untagImage(shared)).toBe(true);
    expect(await runtime.untagImage(shared)).toBe(false);
    expect(await runtime.listImageTags(repository)).toEqual([alone]);
    expect(await runtime.hasImage(node)).toBe(true);
  });
});
