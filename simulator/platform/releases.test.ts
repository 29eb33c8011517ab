import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import { isFlysimError } from '../errors.js';
import { EventLog } from '../events/event-log.js';
import { ReleaseStore } from './releases.js';

describe('ReleaseStore', () => {
  it('should number releases per app and keep the newest complete one as current', () => {
    const clock = new VirtualClock();
    const events = new EventLog({ clock });
    const store = new ReleaseStore({ clock, events });
    const input = {
      image: 'registry.fly.io/a:deployment-1',
      strategy: 'rolling',
      reason: 'deploy',
    };

    const v1 = store.create('a', input);
    store.setStatus('a', v1.version, 'running');
    store.setStatus('a', v1.version, 'complete');
    const v2 = store.create('a', input);
    store.setStatus('a', v2.version, 'failed', 'boom');

    expect(store.create('b', input).version).toBe(1);
    expect(store.list('a').map((r) => [r.version, r.status])).toEqual([
      [2, 'failed'],
      [1, 'complete'],
    ]);
    expect(store.current('a')?.version).toBe(1);
    expect(events.query({ type: 'release.status_changed' }).map((e) => e.to)).toEqual([
      'running',
      'complete',
      'failed',
    ]);
  });

  it('should refuse to move a final release', () => {
    const clock = new VirtualClock();
    const store = new ReleaseStore({ clock, events: new EventLog({ clock }) });
    const release = store.create('a', { image: 'i', strategy: 'rolling', reason: 'deploy' });
    store.setStatus('a', release.version, 'failed');

    let caught: unknown;
    try {
      store.setStatus('a', release.version, 'complete');
    } catch (error) {
      caught = error;
    }
    expect(isFlysimError(caught, 'FLYSIM_RELEASE_ILLEGAL_STATUS')).toBe(true);
  });
});
