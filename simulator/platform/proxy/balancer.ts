import type { Clock } from '../../clock/clock.js';
import { isRoutable, type MachineDirectory, type Upstream } from './directory.js';

/** `[services.concurrency]` as the proxy applies it. */
export interface ConcurrencyLimits {
  /** Above this many, a machine is used only when every other one is above too. */
  readonly softLimit: number;
  /** At this many, a machine gets no new request; undefined: unlimited. */
  readonly hardLimit: number | undefined;
}

/** Why no machine could take a request: counted over the service's machines at the end. */
export interface NoCandidate {
  readonly machines: number;
  readonly attempts: number;
  readonly reason: string;
}

export type Acquired = { readonly upstream: Upstream } | { readonly none: NoCandidate };

/**
 * Picks a machine for each request: routable, not draining, under `hard_limit`; among those the
 * fewest in-flight, preferring machines under `soft_limit`; ties taken in turn. Load counts
 * in-flight requests and open WebSockets per machine, for both concurrency types (flysim's HTTP
 * handler has no client connection bound to a machine to count instead).
 */
export class Balancer {
  readonly #directory: MachineDirectory;
  readonly #clock: Clock;
  readonly #load = new Map<string, number>();
  readonly #draining = new Set<string>();
  readonly #wakers = new Set<() => void>();
  readonly #idleWaiters = new Map<string, Set<() => void>>();
  readonly #unsubscribe: () => void;
  #turn = 0;

  constructor(directory: MachineDirectory, clock: Clock) {
    this.#directory = directory;
    this.#clock = clock;
    this.#unsubscribe = directory.subscribe(() => this.#wake());
  }

  /** A machine for a request now, else after waiting up to `waitMs` for one to become free. */
  async acquire(
    internalPort: number,
    limits: ConcurrencyLimits,
    waitMs: number,
  ): Promise<Acquired> {
    const now = this.tryAcquire(internalPort, limits);
    if (now) return { upstream: now };

    return this.#acquireWaiting(internalPort, limits, waitMs);
  }

  /** The same choice without waiting; counts the load when it finds one. */
  tryAcquire(internalPort: number, limits: ConcurrencyLimits): Upstream | undefined {
    const upstream = this.#pick(this.#directory.upstreams(internalPort), limits);
    if (upstream) this.#add(upstream.machineId, 1);
    return upstream;
  }

  release(machineId: string): void {
    this.#add(machineId, -1);
    this.#wake();
  }

  load(machineId: string): number {
    return this.#load.get(machineId) ?? 0;
  }

  /** Stops new requests to the machine until `undrain`. */
  drain(machineId: string): void {
    this.#draining.add(machineId);
  }

  undrain(machineId: string): void {
    if (this.#draining.delete(machineId)) this.#wake();
  }

  isDraining(machineId: string): boolean {
    return this.#draining.has(machineId);
  }

  /** Resolves when the machine's load reaches 0, or after `timeoutMs`; true when it did. */
  async waitForIdle(machineId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.load(machineId) === 0) return true;

    const timer = new AbortController();
    signal?.addEventListener('abort', () => timer.abort(), { once: true });
    const idle = new Promise<boolean>((resolve) => this.#onIdle(machineId, () => resolve(true)));
    const deadline = this.#clock.sleep(timeoutMs, timer.signal, 'deadline').then(
      () => false,
      () => false,
    );
    const result = await Promise.race([idle, deadline]);
    timer.abort();
    return result;
  }

  close(): void {
    this.#unsubscribe();
    this.#wake();
  }

  async #acquireWaiting(
    internalPort: number,
    limits: ConcurrencyLimits,
    waitMs: number,
  ): Promise<Acquired> {
    const timer = new AbortController();
    let expired = false;
    const deadline = this.#clock.sleep(waitMs, timer.signal, 'deadline').then(
      () => void (expired = true),
      () => undefined,
    );

    let attempts = 1;
    try {
      while (!expired) {
        await Promise.race([deadline, this.#nextChange()]);
        attempts++;
        const upstream = this.tryAcquire(internalPort, limits);
        if (upstream) return { upstream };
      }
    } finally {
      timer.abort();
    }
    return { none: this.#explain(internalPort, limits, attempts) };
  }

  #pick(upstreams: readonly Upstream[], limits: ConcurrencyLimits): Upstream | undefined {
    let best: Upstream | undefined;
    let bestScore = Infinity;
    const count = upstreams.length;
    const start = count === 0 ? 0 : this.#turn++ % count;

    for (let offset = 0; offset < count; offset++) {
      const upstream = upstreams[(start + offset) % count];
      if (!upstream || !this.#eligible(upstream, limits)) continue;

      const load = this.load(upstream.machineId);
      const score = load >= limits.softLimit ? load + 1_000_000 : load;
      if (score < bestScore) [best, bestScore] = [upstream, score];
    }
    return best;
  }

  #eligible(upstream: Upstream, limits: ConcurrencyLimits): boolean {
    if (!isRoutable(upstream) || this.#draining.has(upstream.machineId)) return false;
    return limits.hardLimit === undefined || this.load(upstream.machineId) < limits.hardLimit;
  }

  #explain(internalPort: number, limits: ConcurrencyLimits, attempts: number): NoCandidate {
    const upstreams = this.#directory.upstreams(internalPort);
    const counts = new Map<string, number>();
    for (const upstream of upstreams) {
      const why = this.#whyNot(upstream, limits);
      counts.set(why, (counts.get(why) ?? 0) + 1);
    }

    const parts = [...counts].map(([why, count]) => `${count} ${why}`);
    const reason =
      upstreams.length === 0
        ? 'the app has no machines for this service'
        : `of ${upstreams.length} machine(s): ${parts.join(', ')}`;
    return { machines: upstreams.length, attempts, reason };
  }

  #whyNot(upstream: Upstream, limits: ConcurrencyLimits): string {
    if (upstream.state !== 'started') return upstream.state;
    if (!upstream.checksPassing) return 'failing service checks';
    if (upstream.cordoned) return 'cordoned';
    if (this.#draining.has(upstream.machineId)) return 'draining';
    if (upstream.address === undefined) return 'without a published port';
    if (limits.hardLimit !== undefined && this.load(upstream.machineId) >= limits.hardLimit)
      return `at hard_limit ${limits.hardLimit}`;
    return 'routable';
  }

  #nextChange(): Promise<void> {
    return new Promise((resolve) => this.#wakers.add(resolve));
  }

  #wake(): void {
    if (this.#wakers.size === 0) return;
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const wake of wakers) wake();
  }

  #add(machineId: string, delta: number): void {
    const load = Math.max(0, this.load(machineId) + delta);
    if (load > 0) return void this.#load.set(machineId, load);

    this.#load.delete(machineId);
    const waiters = this.#idleWaiters.get(machineId);
    this.#idleWaiters.delete(machineId);
    for (const waiter of waiters ?? []) waiter();
  }

  #onIdle(machineId: string, waiter: () => void): void {
    const waiters = this.#idleWaiters.get(machineId) ?? new Set();
    waiters.add(waiter);
    this.#idleWaiters.set(machineId, waiters);
  }
}
