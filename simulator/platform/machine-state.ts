import { FlysimError } from '../errors.js';

/** Fly's machine states (fly-platform.md §5.1): persistent, transient and terminal. */
export const MACHINE_STATES = [
  'creating',
  'created',
  'starting',
  'started',
  'stopping',
  'stopped',
  'restarting',
  'suspending',
  'suspended',
  'failed',
  'launch_failed',
  'updating',
  'replacing',
  'replaced',
  'destroying',
  'destroyed',
  'migrated',
] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export const TERMINAL_STATES: readonly MachineState[] = ['destroyed', 'replaced', 'migrated'];

/** Every transition the platform may make; docs/platform.md draws the same graph. */
export const MACHINE_TRANSITIONS: Readonly<Record<MachineState, readonly MachineState[]>> = {
  creating: ['created', 'launch_failed', 'destroying'],
  launch_failed: ['destroying'],
  created: ['starting', 'updating', 'destroying'],
  starting: ['started', 'failed', 'stopping'],
  started: ['stopping', 'stopped', 'restarting', 'updating', 'suspending', 'destroying'],
  stopping: ['stopped', 'failed'],
  stopped: ['starting', 'updating', 'replacing', 'destroying'],
  restarting: ['started', 'stopping', 'stopped', 'failed'],
  suspending: ['suspended', 'stopped'],
  suspended: ['starting', 'stopping', 'destroying'],
  failed: ['starting', 'updating', 'destroying'],
  updating: ['created', 'starting', 'stopped', 'failed'],
  replacing: ['replaced'],
  destroying: ['destroyed'],
  destroyed: [],
  replaced: [],
  migrated: [],
};

export type StateListener = (
  from: MachineState,
  to: MachineState,
  reason: string | undefined,
) => void;

/** One machine's state with guarded transitions: an illegal step throws and changes nothing. */
export class MachineStateMachine {
  readonly #machineId: string;
  readonly #listener: StateListener;
  #state: MachineState;

  constructor(machineId: string, listener: StateListener, initial: MachineState = 'creating') {
    this.#machineId = machineId;
    this.#listener = listener;
    this.#state = initial;
  }

  get state(): MachineState {
    return this.#state;
  }

  /** Moves to `to`; returns false when already there, throws when the graph forbids it. */
  transition(to: MachineState, reason?: string): boolean {
    const from = this.#state;
    if (from === to) return false;
    if (!canTransition(from, to)) throw illegalTransition(this.#machineId, from, to);

    this.#state = to;
    this.#listener(from, to, reason);
    return true;
  }

  is(...states: readonly MachineState[]): boolean {
    return states.includes(this.#state);
  }
}

export function canTransition(from: MachineState, to: MachineState): boolean {
  return MACHINE_TRANSITIONS[from].includes(to);
}

function illegalTransition(machineId: string, from: MachineState, to: MachineState): FlysimError {
  const allowed = MACHINE_TRANSITIONS[from];
  const terminal = TERMINAL_STATES.includes(from);
  return new FlysimError(
    'FLYSIM_MACHINE_ILLEGAL_TRANSITION',
    `Machine ${machineId} cannot go from \`${from}\` to \`${to}\`: ` +
      (terminal
        ? `\`${from}\` is terminal`
        : `expected one of ${allowed.map((s) => `\`${s}\``).join(', ')}`),
    {
      hint: terminal
        ? 'Create a new machine instead'
        : `Wait until the machine is ${allowed[0] ?? 'idle'}`,
    },
  );
}
