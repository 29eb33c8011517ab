// What a deploy returns, and what `flysim deploy --json` prints (issue #6): every planned machine
// with its outcome, the phase the deploy ended in, and how long each phase took.

/** flyctl's phases, in order; `done` is reached only by a deploy that succeeded. */
export const DEPLOY_PHASES = [
  'verify',
  'build',
  'push',
  'release_command',
  'create_machines',
  'update_machines',
  'done',
] as const;

export type DeployPhase = (typeof DEPLOY_PHASES)[number];

export type DeployStatus = 'succeeded' | 'failed';

/** Per machine: `updated` and `created` succeeded; `not-attempted` was left as it was. */
export type MachineOutcome = 'created' | 'updated' | 'failed' | 'not-attempted' | 'destroyed';

export interface DeployedMachine {
  readonly id: string;
  readonly name: string;
  readonly processGroup: string;
  /** The machine's Fly state when the deploy ended (`started`, `stopped`, ...). */
  readonly state: string;
  /** Its machine version (a ULID) when the deploy ended. */
  readonly version: string;
  /** The release it runs when the deploy ended. */
  readonly releaseVersion: number;
  readonly restarts: number;
  readonly outcome: MachineOutcome;
}

export interface DeployError {
  /** A stable `FLYSIM_DEPLOY_*` code, one per stage (`FLYSIM_DEPLOY_RELEASE_COMMAND`, ...). */
  readonly code: string;
  /** flyctl's message, as `Error: <message>` would print it. */
  readonly message: string;
  readonly hint: string | undefined;
}

export interface DeployResult {
  readonly app: string;
  readonly release: { readonly version: number; readonly image: string };
  readonly status: DeployStatus;
  /** The last phase entered: where it failed, or `done`. */
  readonly phase: DeployPhase;
  readonly error?: DeployError;
  readonly machines: readonly DeployedMachine[];
  /** Wall milliseconds spent in each phase that ran. */
  readonly durations: Readonly<Partial<Record<DeployPhase, number>>>;
}
