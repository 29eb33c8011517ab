import { afterEach, describe, expect, it, vi } from 'vitest';
import { isFlysimError } from '../errors.js';
import { toRealMs } from './clock.js';
import { ScaledClock } from './scaled-clock.js';
import { VIRTUAL_EPOCH_MS, VirtualClock } from './virtual-clock.js';

describe('the time-scaling rule', () => {
  it('should shorten pauses by the speed', () => {
    expect(toRealMs(15_000, 'pause', 5)).toBe(3_000);
    expect(toRealMs(10_000, 'pause', 20)).toBe(500);
  });

  it('should never shorten deadlines, which guard real work', () => {
    expect(toRealMs(5_000, 'deadline', 20)).toBe(5_000);
    expect(toRealMs(2_000, 'deadline', 1)).toBe(2_000);
  });

  it('should treat negative and NaN durations as zero', () => {
    expect(toRealMs(-1, 'pause', 2)).toBe(0);
    expect(toRealMs(Number.NaN, 'deadline', 2)).toBe(0);
  });
});

describe('ScaledClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should run platform time speed times faster than wall time', () => {
    let wallMs = 1_000_000;
    const clock = new ScaledClock({ speed: 5, wallNow: () => wallMs });
    wallMs += 3_000;

    expect(clock.wallNow() - 1_000_000).toBe(3_000);
    expect(clock.now() - 1_000_000).toBe(15_000);
  });

  it('should fire a paused timer after platform/speed real ms and a deadline after its full length', () => {
    vi.useFakeTimers();
    const clock = new ScaledClock({ speed: 20 });
    const fired: string[] = [];
    clock.setTimer(1_000, () => fired.push('pause'));
    clock.setTimer(1_000, () => fired.push('deadline'), 'deadline');

    vi.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['pause']);
    vi.advanceTimersByTime(950);
    expect(fired).toEqual(['pause', 'deadline']);
  });

  it('should reject a sleep when its signal aborts', async () => {
    vi.useFakeTimers();
    const clock = new ScaledClock({ speed: 2 });
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort(new Error('stop requested'));

    await expect(sleeping).rejects.toThrow('stop requested');
  });

  it('should refuse a speed that is not a positive number', () => {
    const attempt = (): ScaledClock => new ScaledClock({ speed: 0 });

    expect(attempt).toThrow(/Expected speed to be a finite number above 0, got `0`/);
    try {
      attempt();
    } catch (error) {
      expect(isFlysimError(error, 'FLYSIM_CLOCK_INVALID_SPEED')).toBe(true);
    }
  });
});

describe('VirtualClock', () => {
  it('should fire timers in due order, ties in creation order', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(200, () => fired.push('b'));
    clock.setTimer(100, () => fired.push('a'));
    clock.setTimer(200, () => fired.push('c'));

    await clock.advance(150);
    expect(fired).toEqual(['a']);
    await clock.advance(50);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.elapsed()).toBe(200);
  });

  it('should let work started by a timer schedule the next one within the same advance', async () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(1_000);
        times.push(clock.elapsed());
      }
    };
    const running = loop();

    await clock.advance(10_000);
    await running;
    expect(times).toEqual([1_000, 2_000, 3_000]);
  });

  it('should not advance a deadline differently from a pause', async () => {
    const clock = new VirtualClock();
    const signal = clock.timeoutSignal(5_000);

    await clock.advance(4_999);
    expect(signal.aborted).toBe(false);
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
  });

  it('should stop runUntilIdle at its time bound when timers keep coming', async () => {
    const clock = new VirtualClock();
    const tick = (): void => void clock.setTimer(1_000, tick);
    tick();

    const fired = await clock.runUntilIdle({ maxMs: 10_000 });
    expect(fired).toBe(10);
    expect(clock.now()).toBe(VIRTUAL_EPOCH_MS + 10_000);
  });

  it('should cancel a sleep through its signal without firing it', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('cancelled'));

    await expect(sleeping).rejects.toThrow('cancelled');
    expect(clock.pendingTimers).toBe(0);
  });
});
