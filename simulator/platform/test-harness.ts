import { STATUS_CODES } from 'node:http';
import type { Clock } from '../clock/clock.js';
import { VIRTUAL_EPOCH_MS, VirtualClock } from '../clock/virtual-clock.js';
import { EventLog } from '../events/event-log.js';
import type { FlysimEvent } from '../events/event-types.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import type { CheckProber, ProbeResult } from './check-probe.js';
import { REFUSED_OUTPUT, TIMEOUT_OUTPUT } from './check-probe.js';
import { HealthBoard } from './health-checks.js';
import { machineVersionFactory } from './ids.js';
import { LogStore } from './logs.js';
import type { MachineConfig } from './machine-config.js';
import { Machine, type MachineDeps } from './machine.js';

/** Everything a unit test of a machine needs, on a virtual clock and a fake runtime. */
export interface MachineHarness {
  readonly clock: VirtualClock;
  readonly runtime: FakeRuntime;
  readonly events: EventLog;
  readonly logs: LogStore;
  readonly deps: MachineDeps;
  readonly health: HealthBoard;
  readonly machine: (config?: Partial<MachineConfig>, id?: string) => Machine;
  /** `[ms since start, summary]` for each event, to compare with an expected timeline. */
  readonly timeline: (filter?: (event: FlysimEvent) => boolean) => [number, string][];
}

export const TEST_IMAGE = 'registry.fly.io/grupo-gad:deployment-01TEST';

export interface HarnessOptions extends Partial<MachineDeps> {
  readonly legacyRestartLimit?: boolean;
}

export function machineHarness(options: HarnessOptions = {}): MachineHarness {
  const { legacyRestartLimit = false, ...overrides } = options;
  const clock = new VirtualClock();
  const runtime = new FakeRuntime(clock);
  const events = new EventLog({ clock });
  const logs = new LogStore({ clock });
  const prober = fakeProber(runtime, clock);
  const health = new HealthBoard({
    clock,
    events,
    logs,
    prober,
    region: 'mad',
    legacyRestartLimit,
  });
  const newVersion = machineVersionFactory();
  const deps: MachineDeps = {
    ...{ runtime, clock, events, logs, runId: 'test', region: 'mad', primaryRegion: 'mad' },
    ...{ network: undefined, timing: { restartDelayMs: 1_000, sigkillAfterMs: 5_000 } },
    ...{ secrets: () => ({}), newVersion: () => newVersion(clock.now()) },
    startCompanion: (run) => health.startChecks(run),
    ...overrides,
  };
  let count = 0;
  const machine = (config: Partial<MachineConfig> = {}, id?: string): Machine =>
    new Machine(deps, {
      ...{
        id: id ?? `${String(++count).padStart(2, '0')}aaaaaaaaaaaa`,
        name: 'quiet-moon-1',
        app: 'grupo-gad',
      },
      config: { image: TEST_IMAGE, ...config },
    });
  const timeline = (filter: (event: FlysimEvent) => boolean = () => true): [number, string][] =>
    events
      .query()
      .filter(filter)
      .map((event) => [event.platformTime - VIRTUAL_EPOCH_MS, summarize(event)]);
  return { clock, runtime, events, logs, deps, health, machine, timeline };
}

function summarize(event: FlysimEvent): string {
  switch (event.type) {
    case 'machine.state_changed':
      return `${event.from}→${event.to}`;
    case 'machine.signal_sent':
      return event.signal;
    case 'machine.exited':
      return `exited ${event.exitCode}${event.requestedStop ? ' (requested)' : ''}`;
    case 'machine.restarted':
      return `restarted #${event.restartCount} (${event.reason})`;
    case 'check.status_changed':
      return `${event.checkName} ${event.from ?? 'none'}→${event.to}`;
    case 'check.completed':
      return `${event.checkName} ${event.passed ? 'pass' : 'fail'}: ${event.output}`;
    default:
      return event.type;
  }
}

/** Answers checks from the fake containers' scripts, on the virtual clock. */
export function fakeProber(runtime: FakeRuntime, clock: Clock): CheckProber {
  return {
    async probe(target, signal): Promise<ProbeResult> {
      if (target.check.type === 'tcp') {
        const answer = runtime.answerTcp(target.hostPort);
        if (answer === 'hang') return untilAborted(signal);
        return answer === 'accepted' ? { passed: true, output: 'Success' } : refused();
      }

      const { method, path, headers } = target.check;
      const answer = runtime.answerHttp(target.hostPort, { method, path, headers });
      if (answer === 'refused') return refused();
      if (answer === 'hang') return untilAborted(signal);

      const waited = await clock.sleep(answer.delayMs ?? 0, signal).then(
        () => true,
        () => false,
      );
      if (!waited) return { passed: false, output: TIMEOUT_OUTPUT };
      const passed = answer.status >= 200 && answer.status < 300;
      return { passed, output: `${answer.status} ${STATUS_CODES[answer.status] ?? ''}`.trim() };
    },
  };
}

function refused(): ProbeResult {
  return { passed: false, output: REFUSED_OUTPUT };
}

function untilAborted(signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const done = (): void => resolve({ passed: false, output: TIMEOUT_OUTPUT });
    if (signal.aborted) return done();
    signal.addEventListener('abort', done, { once: true });
  });
}
