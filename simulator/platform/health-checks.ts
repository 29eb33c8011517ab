import type { Clock } from '../clock/clock.js';
import type { EventLog } from '../events/event-log.js';
import type { CheckKind, CheckStatus } from '../events/event-types.js';
import type { CheckProber, ProbeResult } from './check-probe.js';
import { TIMEOUT_OUTPUT } from './check-probe.js';
import type { LogStore } from './logs.js';
import { resolveChecks, type ResolvedCheck } from './machine-config.js';
import type { MachineRunView, RunCompanion } from './machine.js';

/** The latest state of one check on one machine, as `fly checks list` shows it. */
export interface CheckState {
  readonly name: string;
  readonly kind: CheckKind;
  readonly status: CheckStatus;
  readonly output: string;
  /** Platform time of the last status change. */
  readonly updatedAt: number;
}

export interface HealthCheckDeps {
  readonly clock: Clock;
  readonly events: EventLog;
  readonly logs: LogStore;
  readonly prober: CheckProber;
  readonly region: string;
  /** Honour the Nomad-era `restart_limit` on checks. @default false */
  readonly legacyRestartLimit: boolean;
}

/**
 * The checks of every machine: runs them while a machine's container runs and keeps their
 * statuses. Service checks decide routing; top-level checks are informational (§3.1).
 */
export class HealthBoard {
  readonly #deps: HealthCheckDeps;
  readonly #states = new Map<
    string,
    { serviceChecks: string[]; states: Map<string, CheckState> }
  >();
  readonly #announced = new Set<string>();

  constructor(deps: HealthCheckDeps) {
    this.#deps = deps;
  }

  /** Starts the checks of a fresh container; the machine's companion hook. */
  startChecks(run: MachineRunView): RunCompanion {
    const checks = resolveChecks(run.machine.config);
    const serviceChecks = checks
      .filter((check) => check.kind === 'service')
      .map((check) => check.name);
    this.#states.set(run.machine.id, { serviceChecks, states: new Map() });
    this.#announceRestartLimit(run, checks);

    const runners = checks.map((check) => new CheckRunner(this.#deps, run, check, this.#record));
    for (const runner of runners) runner.start();
    return { stop: () => this.#stopChecks(run.machine.id, runners) };
  }

  checks(machineId: string): CheckState[] {
    return [...(this.#states.get(machineId)?.states.values() ?? [])];
  }

  /**
   * A running machine gets traffic once every service check has passed and none fails since; a
   * machine without service checks as soon as it runs. Before a first result it gets none (§3.3).
   */
  isRoutable(machineId: string): boolean {
    const entry = this.#states.get(machineId);
    if (!entry) return false;
    return entry.serviceChecks.every((name) => entry.states.get(name)?.status === 'passing');
  }

  readonly #record = (machineId: string, state: CheckState): void => {
    this.#states.get(machineId)?.states.set(state.name, state);
  };

  #stopChecks(machineId: string, runners: readonly CheckRunner[]): void {
    for (const runner of runners) runner.stop();
    this.#states.delete(machineId);
  }

  #announceRestartLimit(run: MachineRunView, checks: readonly ResolvedCheck[]): void {
    const limited = checks.filter((check) => check.restartLimit !== undefined);
    const key = `${run.machine.id}:${this.#deps.legacyRestartLimit}`;
    if (limited.length === 0 || this.#announced.has(key)) return;

    this.#announced.add(key);
    const names = limited.map((check) => `'${check.name}'`).join(', ');
    const message = this.#deps.legacyRestartLimit
      ? `restart_limit is on for ${names}: flysim restarts this machine after that many consecutive failures, as Nomad did. Fly Machines never restart on failing checks.`
      : `restart_limit on ${names} is ignored: Fly Machines never restart on failing checks. Turn on the legacy restart_limit option to emulate Nomad.`;
    this.#deps.events.append({
      type: 'platform.warning_issued',
      app: run.machine.app,
      key: 'checks.restart_limit',
      message,
    });
    this.#deps.logs.write({
      ...{ app: run.machine.app, machineId: run.machine.id, region: this.#deps.region },
      ...{ provider: 'runner', level: 'warn', message },
    });
  }
}

type Recorder = (machineId: string, state: CheckState) => void;

/** One check on one container: grace period, then one attempt per interval, never overlapping. */
class CheckRunner {
  readonly #deps: HealthCheckDeps;
  readonly #run: MachineRunView;
  readonly #check: ResolvedCheck;
  readonly #record: Recorder;
  readonly #stopped = new AbortController();
  #status: CheckStatus | null = null;
  #consecutiveFailures = 0;

  constructor(deps: HealthCheckDeps, run: MachineRunView, check: ResolvedCheck, record: Recorder) {
    this.#deps = deps;
    this.#run = run;
    this.#check = check;
    this.#record = record;
  }

  start(): void {
    this.#loop().catch(() => {
      // Only an aborted sleep ends the loop early, and that is a requested stop.
    });
  }

  stop(): void {
    this.#stopped.abort();
  }

  async #loop(): Promise<void> {
    const { clock } = this.#deps;
    const signal = this.#stopped.signal;
    await clock.sleep(this.#check.gracePeriodMs, signal);

    while (!signal.aborted) {
      const startedAt = clock.now();
      await this.#attempt();
      const spentMs = clock.now() - startedAt;
      await clock.sleep(Math.max(0, this.#check.intervalMs - spentMs), signal);
    }
  }

  async #attempt(): Promise<void> {
    const startedAt = this.#deps.clock.now();
    const result = await this.#probeWithTimeout();
    if (this.#stopped.signal.aborted) return;

    this.#deps.events.append({
      ...{
        type: 'check.completed',
        ...this.#ref(),
        checkName: this.#check.name,
        checkKind: this.#check.kind,
      },
      ...{
        passed: result.passed,
        output: result.output,
        durationMs: this.#deps.clock.now() - startedAt,
      },
    });
    this.#consecutiveFailures = result.passed ? 0 : this.#consecutiveFailures + 1;
    this.#setStatus(result.passed ? 'passing' : 'critical', result.output);
    this.#enforceRestartLimit();
  }

  async #probeWithTimeout(): Promise<ProbeResult> {
    const hostPort = this.#run.hostPorts.get(this.#check.port);
    if (hostPort === undefined)
      return { passed: false, output: `no port ${this.#check.port} published` };

    const timeout = new AbortController();
    const timer = this.#deps.clock.setTimer(
      this.#check.timeoutMs,
      () => timeout.abort(),
      'deadline',
    );
    const signal = AbortSignal.any([timeout.signal, this.#stopped.signal]);
    try {
      const result = await this.#deps.prober.probe(
        { check: this.#check, host: '127.0.0.1', hostPort },
        signal,
      );
      return timeout.signal.aborted ? { passed: false, output: TIMEOUT_OUTPUT } : result;
    } finally {
      timer.cancel();
    }
  }

  #setStatus(status: CheckStatus, output: string): void {
    const from = this.#status;
    this.#status = status;
    const state = { name: this.#check.name, kind: this.#check.kind, status, output };
    this.#record(this.#run.machine.id, { ...state, updatedAt: this.#deps.clock.now() });
    if (from === status) return;

    this.#deps.events.append({
      ...{ type: 'check.status_changed', ...this.#ref(), checkName: this.#check.name },
      ...{ checkKind: this.#check.kind, from, to: status, output },
    });
    this.#logStatus(status);
  }

  #logStatus(status: CheckStatus): void {
    const subject = `Health check '${this.#check.name}' on port ${this.#check.port}`;
    const services =
      this.#check.kind === 'service'
        ? ` Services exposed on ports [${this.#check.servicePorts.join(', ')}] will have intermittent failures until the health check passes.`
        : '';
    const message =
      status === 'passing'
        ? `${subject} is now passing.`
        : `${subject} has failed. Your app is not responding properly.${services}`;
    this.#deps.logs.write({
      ...{ app: this.#run.machine.app, machineId: this.#run.machine.id, region: this.#deps.region },
      ...{ provider: 'health', level: status === 'passing' ? 'info' : 'error', message },
    });
  }

  #enforceRestartLimit(): void {
    const limit = this.#check.restartLimit;
    if (!this.#deps.legacyRestartLimit || limit === undefined || limit < 1) return;
    if (this.#consecutiveFailures < limit) return;

    this.stop();
    this.#run.machine.restart('check_restart_limit').catch(() => {
      // A failed relaunch leaves the machine `failed` with its own event and log line.
    });
  }

  #ref(): { app: string; machineId: string } {
    return { app: this.#run.machine.app, machineId: this.#run.machine.id };
  }
}
