// `npm run bench -- events [count]`: what a run's EventLog costs under proxy traffic. The same
// `proxy.request_served` events go to a log that keeps the latest 10,000 (flysim's) and to one
// that keeps them all, side by side in one run: time per append and heap growth.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../clock/virtual-clock.js';
import { EventLog } from '../events/event-log.js';
import type { ProxyRequestServed } from '../events/event-types.js';

interface Result {
  readonly name: string;
  readonly usPerAppend: number;
  readonly heapGrowthMb: number;
  readonly kept: number;
}

const SERVED: ProxyRequestServed = {
  type: 'proxy.request_served',
  app: 'grupo-gad',
  machineId: '3287eeeb342085',
  releaseVersion: 2,
  port: 443,
  method: 'GET',
  status: 200,
  latencyMs: 1.4,
  errorCode: undefined,
};

export async function run(args: readonly string[]): Promise<void> {
  const count = Number(args[0] ?? 1_000_000);
  if (!Number.isInteger(count) || count < 1 || count > 10_000_000) {
    throw new Error(`Expected a count in 1..10000000, got \`${String(args[0])}\``);
  }
  const gc = exposeGc();

  // Each log measured alone, after a collection, so one's garbage does not land on the other.
  const uncapped = measure('keeps every request', count, gc, Number.POSITIVE_INFINITY);
  const capped = measure('keeps the latest 10,000 (flysim)', count, gc, undefined);
  for (const result of [uncapped, capped]) console.log(describe(result));

  const time = capped.usPerAppend / uncapped.usPerAppend;
  const heap = Math.max(0, capped.heapGrowthMb) / uncapped.heapGrowthMb;
  console.log(
    `events: capped ${time.toFixed(2)}x the time per append, ${heap.toFixed(4)}x the heap`,
  );
}

function measure(name: string, count: number, gc: () => void, limit: number | undefined): Result {
  const log = new EventLog({
    clock: new VirtualClock(),
    ...(limit === undefined ? {} : { requestEventLimit: limit }),
  });
  for (let i = 0; i < 20_000; i++) log.append(SERVED);

  gc();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 0; i < count; i++) log.append(SERVED);
  const elapsedMs = performance.now() - started;
  gc();
  const after = process.memoryUsage().heapUsed;

  const kept = log.query({ type: 'proxy.request_served' }).length;
  return {
    name,
    usPerAppend: (elapsedMs * 1000) / count,
    heapGrowthMb: (after - before) / 1e6,
    kept,
  };
}

/** `gc()` without restarting node with --expose-gc: the flag set now applies to a new context. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function describe(result: Result): string {
  const { name, usPerAppend, heapGrowthMb, kept } = result;
  const heap = `heap +${heapGrowthMb.toFixed(1)} MB`;
  return `  ${name}: ${usPerAppend.toFixed(2)} µs per append, ${heap}, ${kept} kept`;
}
