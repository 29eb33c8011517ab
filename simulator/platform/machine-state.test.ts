import { describe, expect, it } from 'vitest';
import { FlysimError } from '../errors.js';
import {
  MACHINE_STATES,
  MACHINE_TRANSITIONS,
  MachineStateMachine,
  TERMINAL_STATES,
} from './machine-state.js';

describe('MachineStateMachine', () => {
  it('should list a transition set for every state, and none out of a terminal state', () => {
    expect(Object.keys(MACHINE_TRANSITIONS).sort()).toEqual([...MACHINE_STATES].sort());
    for (const state of TERMINAL_STATES) expect(MACHINE_TRANSITIONS[state]).toEqual([]);
  });

  it('should report each legal transition to its listener and ignore a move to the same state', () => {
    const seen: string[] = [];
    const fsm = new MachineStateMachine('3287eeeb342085', (from, to, why) =>
      seen.push(`${from}→${to} ${why}`),
    );

    expect(fsm.transition('created', 'create')).toBe(true);
    expect(fsm.transition('created')).toBe(false);
    expect(seen).toEqual(['creating→created create']);
  });

  it('should throw a coded error naming the allowed states on an illegal transition', () => {
    const fsm = new MachineStateMachine('3287eeeb342085', () => undefined, 'stopped');
    const attempt = (): boolean => fsm.transition('started');

    expect(attempt).toThrow(FlysimError);
    expect(attempt).toThrow(
      'Machine 3287eeeb342085 cannot go from `stopped` to `started`: expected one of `starting`, `updating`, `replacing`, `destroying`',
    );
    expect(fsm.state).toBe('stopped');
  });

  it('should refuse any move out of a terminal state', () => {
    const fsm = new MachineStateMachine('3287eeeb342085', () => undefined, 'destroyed');

    try {
      fsm.transition('starting');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'FLYSIM_MACHINE_ILLEGAL_TRANSITION' });
      expect((error as Error).message).toContain('`destroyed` is terminal');
    }
  });
});
