import Docker from 'dockerode';
import { setTimeout as delay } from 'node:timers/promises';
import { FlysimError } from '../errors.js';
import { startBackingContainer } from './backing-containers.js';
import { packBuildContext } from './build-context.js';
import type {
  BackingServiceSpec,
  ContainerExit,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ExecResult,
  ImageBuildSpec,
  ImageInfo,
  NetworkAttachment,
  OutputLine,
  OutputListener,
  RemovedByLabel,
  Signal,
  StartedBackingService,
} from './container-runtime.js';
import { demuxBuffer, lineWriter } from './docker-output.js';

export interface DockerRuntimeOptions {
  /** Connection settings; by default docker-modem honours DOCKER_HOST and its TLS variables. */
  readonly socketPath?: string;
}

interface BuildMessage {
  readonly stream?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

/** ContainerRuntime on one dockerode connection. */
export class DockerRuntime implements ContainerRuntime {
  readonly #docker: Docker;
  readonly #streams = new Set<NodeJS.ReadableStream>();
  #closed = false;

  constructor(options: DockerRuntimeOptions = {}) {
    this.#docker = new Docker(
      options.socketPath === undefined ? undefined : { socketPath: options.socketPath },
    );
  }

  async hasImage(name: string): Promise<boolean> {
    return (await this.inspectImage(name)) !== undefined;
  }

  async buildImage(spec: ImageBuildSpec, signal?: AbortSignal): Promise<ImageInfo> {
    const stream = await this.#docker.buildImage(await packBuildContext(spec), {
      ...{ t: spec.tag, dockerfile: spec.dockerfile ?? 'Dockerfile', rm: true, forcerm: true },
      ...{ buildargs: spec.buildArgs ?? {}, labels: spec.labels ?? {}, abortSignal: signal },
      ...(spec.target === undefined ? {} : { target: spec.target }),
    });
    await this.#followBuild(stream, spec);

    const image = await this.inspectImage(spec.tag);
    if (image) return image;
    throw new FlysimError(
      'FLYSIM_RUNTIME_BUILD_FAILED',
      `Build of ${spec.tag} finished but the image is missing`,
    );
  }

  async inspectImage(name: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.#docker.getImage(name).inspect();
      return {
        ...{ id: info.Id, tags: info.RepoTags ?? [], labels: info.Config.Labels ?? {} },
        ...{ env: info.Config.Env ?? [], cmd: info.Config.Cmd ?? [], sizeBytes: info.Size },
      };
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw dockerError(`inspect image ${name}`, error);
    }
  }

  async tagImage(source: string, target: string): Promise<void> {
    const { repo, tag } = splitTag(target);
    await this.#docker.getImage(source).tag({ repo, tag });
  }

  async listImageTags(repository: string): Promise<string[]> {
    const images = await this.#docker.listImages({ filters: { reference: [`${repository}:*`] } });
    return images
      .flatMap((image) => image.RepoTags ?? [])
      .filter((tag) => tag.startsWith(`${repository}:`));
  }

  async untagImage(reference: string): Promise<boolean> {
    try {
      await this.#docker.getImage(reference).remove();
      return true;
    } catch (error) {
      // 409: a container, running or not, still uses the image.
      if (statusCode(error) === 404 || statusCode(error) === 409) return false;
      throw dockerError(`remove image ${reference}`, error);
    }
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      const container = await this.#docker.createContainer(containerOptions(spec));
      return container.id;
    } catch (error) {
      throw dockerError(`create a container from ${spec.image}`, error);
    }
  }

  async followOutput(id: string, listener: OutputListener, signal?: AbortSignal): Promise<void> {
    const container = this.#docker.getContainer(id);
    const stream = await container.attach({ stream: true, stdout: true, stderr: true, logs: true });
    this.#streams.add(stream);
    const ended = this.#demux(stream, listener);

    const release = (): void => {
      this.#streams.delete(stream);
      destroy(stream);
    };
    void ended.finally(release);
    signal?.addEventListener('abort', release, { once: true });
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).start();
    } catch (error) {
      if (statusCode(error) !== 304) throw dockerError(`start container ${id}`, error);
    }
  }

  async waitForExit(id: string, signal?: AbortSignal): Promise<ContainerExit> {
    const container = this.#docker.getContainer(id);
    const result = (await container.wait({ condition: 'not-running', abortSignal: signal })) as {
      StatusCode: number;
    };
    const info = await container.inspect().catch(() => undefined);
    return { exitCode: result.StatusCode, oomKilled: info?.State.OOMKilled ?? false };
  }

  async killContainer(id: string, signal: Signal): Promise<void> {
    try {
      await this.#docker.getContainer(id).kill({ signal });
    } catch (error) {
      // 409: the container is not running any more, which is what a kill wants.
      if (statusCode(error) !== 409 && statusCode(error) !== 404)
        throw dockerError(`send ${signal} to ${id}`, error);
    }
  }

  async stopContainer(id: string, options: { signal: Signal; timeoutMs: number }): Promise<void> {
    await this.killContainer(id, options.signal);
    const controller = new AbortController();
    const exited = this.waitForExit(id, controller.signal).then(() => true);
    const timedOut = delay(options.timeoutMs, false, { signal: controller.signal });

    const stopped = await Promise.race([exited, timedOut]).finally(() => controller.abort());
    if (!stopped) await this.killContainer(id, 'SIGKILL');
  }

  async pauseContainer(id: string): Promise<void> {
    await this.#docker.getContainer(id).pause();
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.#docker.getContainer(id).unpause();
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).remove({ force: true, v: true });
    } catch (error) {
      // 404: already gone; 409: removal already in progress.
      if (statusCode(error) !== 404 && statusCode(error) !== 409)
        throw dockerError(`remove container ${id}`, error);
    }
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    const info = await this.#docker.getContainer(id).inspect();
    return {
      ...{ id: info.Id, name: info.Name.replace(/^\//, ''), image: info.Config.Image },
      ...{ state: info.State.Status as ContainerState, exitCode: info.State.ExitCode },
      ...{ oomKilled: info.State.OOMKilled, ports: hostPorts(info.NetworkSettings.Ports) },
      ...{ labels: info.Config.Labels ?? {}, cmd: info.Config.Cmd ?? [] },
    };
  }

  async readLogs(id: string, options: { tail?: number } = {}): Promise<OutputLine[]> {
    const buffer = await this.#docker.getContainer(id).logs({
      ...{ stdout: true, stderr: true, follow: false },
      ...(options.tail === undefined ? {} : { tail: options.tail }),
    });
    return demuxBuffer(buffer);
  }

  async exec(id: string, cmd: readonly string[]): Promise<ExecResult> {
    const exec = await this.#docker
      .getContainer(id)
      .exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const lines: string[] = [];
    await this.#demux(stream, (line) => void lines.push(line.text));

    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output: lines.join('\n') };
  }

  async createNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<void> {
    try {
      await this.#docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { ...labels },
      });
    } catch (error) {
      throw dockerError(`create network ${name}`, error);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.#docker.getNetwork(name).remove();
    } catch (error) {
      if (statusCode(error) !== 404) throw dockerError(`remove network ${name}`, error);
    }
  }

  async connectToNetwork(id: string, network: NetworkAttachment): Promise<void> {
    await this.#docker
      .getNetwork(network.name)
      .connect({ Container: id, EndpointConfig: { Aliases: [...network.aliases] } });
  }

  async disconnectFromNetwork(id: string, network: string): Promise<void> {
    await this.#docker.getNetwork(network).disconnect({ Container: id, Force: true });
  }

  async startBackingService(spec: BackingServiceSpec): Promise<StartedBackingService> {
    try {
      return await startBackingContainer(spec);
    } catch (error) {
      throw dockerError(`start ${spec.kind} from ${spec.image}`, error);
    }
  }

  async removeByLabel(key: string, value: string): Promise<RemovedByLabel> {
    const filters = JSON.stringify({ label: [`${key}=${value}`] });
    const containers = await this.#docker.listContainers({ all: true, filters });
    await Promise.all(containers.map((container) => this.removeContainer(container.Id)));

    const networks = await this.#docker.listNetworks({ filters });
    await Promise.all(networks.map((network) => this.removeNetwork(network.Id)));
    return { containers: containers.length, networks: networks.length };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams) destroy(stream);
    this.#streams.clear();
  }

  /** Splits a multiplexed stream into lines; resolves once it ended and every line was delivered. */
  async #demux(stream: NodeJS.ReadableStream, listener: OutputListener): Promise<void> {
    const writers = [lineWriter('stdout', listener), lineWriter('stderr', listener)] as const;
    this.#docker.modem.demuxStream(stream, writers[0], writers[1]);

    await new Promise<void>((resolve) => {
      stream
        .once('end', resolve)
        .once('close', resolve)
        .once('error', () => resolve());
    });
    await Promise.all(writers.map((writer) => new Promise((resolve) => writer.end(resolve))));
  }

  async #followBuild(stream: NodeJS.ReadableStream, spec: ImageBuildSpec): Promise<void> {
    const tail: string[] = [];
    const onProgress = (message: BuildMessage): void => {
      for (const line of (message.stream ?? '').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        spec.onOutput?.(line);
      }
    };

    const messages = await new Promise<BuildMessage[]>((resolve, reject) => {
      this.#docker.modem.followProgress(
        stream,
        (error: Error | null, output: BuildMessage[]) => (error ? reject(error) : resolve(output)),
        onProgress,
      );
    });
    const failure = messages.find((message) => message.error !== undefined);
    if (failure) throw buildError(spec, failure, tail);
  }
}

function containerOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const ports = spec.publishPorts ?? [];
  const exposed = Object.fromEntries(ports.map((port) => [`${port}/tcp`, {}]));
  const bindings = Object.fromEntries(
    ports.map((port) => [`${port}/tcp`, [{ HostIp: '127.0.0.1', HostPort: '' }]]),
  );

  return {
    ...(spec.name === undefined ? {} : { name: spec.name }),
    ...(spec.hostname === undefined ? {} : { Hostname: spec.hostname }),
    ...(spec.cmd === undefined ? {} : { Cmd: [...spec.cmd] }),
    ...(spec.entrypoint === undefined ? {} : { Entrypoint: [...spec.entrypoint] }),
    ...{
      Image: spec.image,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    },
    ...{
      Labels: { ...spec.labels },
      ExposedPorts: exposed,
      AttachStdout: true,
      AttachStderr: true,
    },
    // Init: Fly's init is PID 1 and the app is its child, so the app gets default signal handling.
    HostConfig: {
      Init: true,
      PortBindings: bindings,
      ...(spec.network ? { NetworkMode: spec.network.name } : {}),
    },
    ...(spec.network
      ? {
          NetworkingConfig: {
            EndpointsConfig: { [spec.network.name]: { Aliases: [...spec.network.aliases] } },
          },
        }
      : {}),
  };
}

function hostPorts(
  ports: Record<string, { HostIp: string; HostPort: string }[] | null> | undefined,
): Map<number, number> {
  const map = new Map<number, number>();
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const binding = bindings?.find((entry) => entry.HostIp === '127.0.0.1') ?? bindings?.[0];
    if (binding) map.set(Number.parseInt(key, 10), Number.parseInt(binding.HostPort, 10));
  }
  return map;
}

function splitTag(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/'))
    return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

function buildError(
  spec: ImageBuildSpec,
  failure: BuildMessage,
  tail: readonly string[],
): FlysimError {
  const reason = failure.errorDetail?.message ?? failure.error ?? 'unknown error';
  return new FlysimError(
    'FLYSIM_RUNTIME_BUILD_FAILED',
    `Build of ${spec.tag} from ${spec.contextDir} failed: ${reason}\n${tail.join('\n')}`,
    {
      hint: `Fix the step above in ${spec.dockerfile ?? 'Dockerfile'}; every FROM must name a local image`,
    },
  );
}

function statusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

function dockerError(action: string, error: unknown): FlysimError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FlysimError('FLYSIM_RUNTIME_DOCKER', `Docker could not ${action}: ${reason}`, {
    cause: error,
    hint: 'Check that the Docker engine is running (`docker info`) and the image exists (`docker image ls`)',
  });
}

function destroy(stream: NodeJS.ReadableStream): void {
  if ('destroy' in stream && typeof stream.destroy === 'function')
    (stream as { destroy(): void }).destroy();
}
