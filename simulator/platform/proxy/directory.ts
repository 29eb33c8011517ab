/**
 * What the edge proxy needs to know about an app's machines, and nothing more. The platform
 * implements it (see `platform-directory.ts`); tests and the bench use `StaticDirectory`.
 */

/** One machine as the proxy sees it, for one service (one internal port). */
export interface Upstream {
  readonly machineId: string;
  readonly region: string;
  /** The release the machine runs, for the request events. */
  readonly releaseVersion: number | undefined;
  /** The machine state (`started`, `stopping`, ...); only `started` machines get traffic. */
  readonly state: string;
  /** Every service check of the machine passes (a machine without service checks: running). */
  readonly checksPassing: boolean;
  readonly cordoned: boolean;
  /** `127.0.0.1:<published port>` for the service's internal port; undefined when not running. */
  readonly address: string | undefined;
}

export type DirectoryListener = () => void;

export interface MachineDirectory {
  /** The app's machines that serve `internalPort`, in a stable order. */
  upstreams(internalPort: number): readonly Upstream[];
  /** Called after any change that may change routing; returns the unsubscribe function. */
  subscribe(listener: DirectoryListener): () => void;
}

/** Whether the proxy may send a new request to `upstream` (draining aside, which it tracks). */
export function isRoutable(upstream: Upstream): boolean {
  return (
    upstream.state === 'started' &&
    upstream.checksPassing &&
    !upstream.cordoned &&
    upstream.address !== undefined
  );
}

/** A directory whose machines a test or a bench sets by hand. */
export class StaticDirectory implements MachineDirectory {
  readonly #byPort = new Map<number, Upstream[]>();
  readonly #listeners = new Set<DirectoryListener>();

  upstreams(internalPort: number): readonly Upstream[] {
    return this.#byPort.get(internalPort) ?? [];
  }

  subscribe(listener: DirectoryListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Adds the machine, or replaces the one with the same id. */
  set(internalPort: number, upstream: Upstream): void {
    const list = this.#byPort.get(internalPort) ?? [];
    const index = list.findIndex((item) => item.machineId === upstream.machineId);
    if (index === -1) list.push(upstream);
    else list[index] = upstream;

    this.#byPort.set(internalPort, list);
    this.#notify();
  }

  /** Changes some fields of a machine already set. */
  update(internalPort: number, machineId: string, change: Partial<Upstream>): void {
    const current = this.upstreams(internalPort).find((item) => item.machineId === machineId);
    if (current) this.set(internalPort, { ...current, ...change });
  }

  remove(internalPort: number, machineId: string): void {
    const list = this.#byPort.get(internalPort) ?? [];
    this.#byPort.set(
      internalPort,
      list.filter((item) => item.machineId !== machineId),
    );
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
