// What every step of one deploy shares: the platform, the resolved options, and the narrator that
// turns each step into events (the console, --json and reports are all views of them).

import type { Clock } from '../clock/clock.js';
import type { AppConfig } from '../config/app-config.js';
import type { EventLog } from '../events/event-log.js';
import type { DeployLineStatus, ExplainedKey } from '../events/event-types.js';
import type { Machine } from '../platform/machine.js';
import type { Platform } from '../platform/platform.js';
import type { DeployPhase, MachineOutcome } from './deploy-result.js';
import type { ResolvedDeployOptions } from './options.js';

export interface StatusSlot {
  /** 1-based position in flyctl's `[i/N]`. */
  readonly index: number;
  readonly total: number;
}

/** Explains a phase: the fly.toml keys and lines behind it (empty unless asked). */
export type Explainer = (phase: DeployPhase) => readonly ExplainedKey[];

export interface DeployContextInit {
  readonly platform: Platform;
  readonly deployId: string;
  readonly options: ResolvedDeployOptions;
  readonly config: AppConfig | undefined;
  readonly explain: Explainer;
  readonly signal: AbortSignal | undefined;
}

export class DeployContext {
  readonly platform: Platform;
  readonly deployId: string;
  options: ResolvedDeployOptions;
  config: AppConfig | undefined;
  readonly signal: AbortSignal | undefined;
  readonly outcomes = new Map<string, MachineOutcome>();
  readonly durations: Partial<Record<DeployPhase, number>> = {};
  /** Machines the deploy destroyed, as they were: the result still lists them. */
  readonly destroyed: Machine[] = [];
  phase: DeployPhase = 'verify';
  #explain: Explainer;
  #phaseStartedWallMs = 0;

  constructor(init: DeployContextInit) {
    this.platform = init.platform;
    this.deployId = init.deployId;
    this.options = init.options;
    this.config = init.config;
    this.signal = init.signal;
    this.#explain = init.explain;
  }

  /** Once fly.toml is verified: the options the rest of the deploy runs with. */
  resolve(options: ResolvedDeployOptions, config: AppConfig, explain: Explainer): void {
    this.options = options;
    this.config = config;
    this.#explain = explain;
  }

  get app(): string {
    return this.options.app;
  }

  get clock(): Clock {
    return this.platform.clock;
  }

  get events(): EventLog {
    return this.platform.events;
  }

  startPhase(phase: DeployPhase, message?: string): void {
    this.phase = phase;
    this.#phaseStartedWallMs = this.clock.wallNow();
    this.events.append({
      ...{ type: 'deploy.phase_started', ...this.#ref(), phase, message },
      explain: this.#explain(phase),
    });
  }

  finishPhase(message?: string, failed = false): void {
    const durationMs = this.clock.wallNow() - this.#phaseStartedWallMs;
    this.durations[this.phase] = (this.durations[this.phase] ?? 0) + durationMs;
    this.events.append({
      ...{ type: 'deploy.phase_finished', ...this.#ref(), phase: this.phase },
      ...{ message, failed, durationMs },
    });
  }

  /** A statuslogger line; the same `lineKey` is one line redrawn on a TTY. */
  status(
    lineKey: string,
    status: DeployLineStatus,
    message: string,
    slot?: StatusSlot,
    machineId?: string,
  ): void {
    this.events.append({
      ...{ type: 'deploy.status_updated', ...this.#ref(), lineKey, machineId },
      ...{ index: slot?.index, total: slot?.total, status, message },
    });
  }

  print(message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    this.events.append({
      ...{ type: 'deploy.message_printed', ...this.#ref() },
      ...{ level, source: 'flyctl' as const, message },
    });
  }

  buildOutput(message: string): void {
    this.events.append({
      ...{ type: 'deploy.message_printed', ...this.#ref() },
      ...{ level: 'info' as const, source: 'build' as const, message },
    });
  }

  outcome(machine: Machine, outcome: MachineOutcome): void {
    this.outcomes.set(machine.id, outcome);
  }

  /** Throws the signal's reason when the caller interrupted the deploy. */
  checkInterrupted(): void {
    this.signal?.throwIfAborted();
  }

  #ref(): { app: string; deployId: string } {
    return { app: this.app, deployId: this.deployId };
  }
}

/** flyctl's formatted machine id: `<id> [<process group>]`, bare for one-off machines. */
export function machineLabel(machine: Machine): string {
  const group = machine.config.metadata?.processGroup;
  return group === undefined ? machine.id : `${machine.id} [${group}]`;
}
