import { DEFAULT_MAX_RETRIES, type MachineRestart } from './machine-config.js';

/** The window in which on-failure counts restarts (fly-platform.md §1.12). */
export const RESTART_WINDOW_MS = 5 * 60_000;

export type RestartDecision =
  | { readonly restart: true }
  | { readonly restart: false; readonly reason: 'requested_stop' | 'policy_no' | 'clean_exit' }
  | { readonly restart: false; readonly reason: 'max_retries'; readonly maxRetries: number };

export interface ExitFacts {
  readonly exitCode: number;
  readonly requestedStop: boolean;
  /** Platform times of the restarts already made since the machine was last started on request. */
  readonly restartTimes: readonly number[];
  readonly nowMs: number;
}

/** What the platform does when a machine's main process exits, before any back-off. */
export function decideRestart(
  policy: MachineRestart | undefined,
  facts: ExitFacts,
): RestartDecision {
  if (facts.requestedStop) return { restart: false, reason: 'requested_stop' };

  const name = policy?.policy ?? 'on-failure';
  if (name === 'no') return { restart: false, reason: 'policy_no' };
  if (name === 'always') return { restart: true };
  if (facts.exitCode === 0) return { restart: false, reason: 'clean_exit' };

  const maxRetries = policy?.maxRetries ?? DEFAULT_MAX_RETRIES;
  const recent = facts.restartTimes.filter((at) => facts.nowMs - at < RESTART_WINDOW_MS);
  return recent.length >= maxRetries
    ? { restart: false, reason: 'max_retries', maxRetries }
    : { restart: true };
}
