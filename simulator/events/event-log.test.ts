import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH_MS, VirtualClock } from '../clock/virtual-clock.js';
import { EventLog } from './event-log.js';

function machineState(machineId: string, from: string, to: string) {
  return {
    type: 'machine.state_changed',
    app: 'grupo-gad',
    machineId,
    from,
    to,
    reason: undefined,
  } as const;
}

describe('EventLog', () => {
  it('should stamp each event with a sequence number, platform time and wall time', async () => {
    const clock = new VirtualClock();
    const log = new EventLog({ clock });
    log.append(machineState('3287eeeb342085', 'created', 'starting'));
    await clock.advance(1_500);
    const second = log.append(machineState('3287eeeb342085', 'starting', 'started'));

    expect(second.seq).toBe(2);
    expect(second.platformTime).toBe(VIRTUAL_EPOCH_MS + 1_500);
    expect(second.wallTime).toBe(VIRTUAL_EPOCH_MS + 1_500);
  });

  it('should query by type, machine and platform time', async () => {
    const clock = new VirtualClock();
    const log = new EventLog({ clock });
    log.append(machineState('aaaaaaaaaaaaaa', 'created', 'starting'));
    await clock.advance(1_000);
    log.append(machineState('bbbbbbbbbbbbbb', 'created', 'starting'));
    log.append({ type: 'machine.destroyed', app: 'grupo-gad', machineId: 'aaaaaaaaaaaaaa' });

    expect(log.query({ machineId: 'aaaaaaaaaaaaaa' }).map((e) => e.type)).toEqual([
      'machine.state_changed',
      'machine.destroyed',
    ]);
    expect(log.query({ type: 'machine.state_changed', since: VIRTUAL_EPOCH_MS + 1 })).toHaveLength(
      1,
    );
    expect(log.query({ type: ['machine.destroyed', 'network.created'] })).toHaveLength(1);
  });

  it('should deliver appended events to subscribers until they unsubscribe', () => {
    const log = new EventLog({ clock: new VirtualClock() });
    const seen: string[] = [];
    const unsubscribe = log.subscribe((event) => seen.push(event.type));
    log.append({ type: 'network.created', network: 'flysim-run1' });
    unsubscribe();
    log.append({ type: 'network.removed', network: 'flysim-run1' });

    expect(seen).toEqual(['network.created']);
  });

  it('should resolve next() with the first matching event appended later', async () => {
    const log = new EventLog({ clock: new VirtualClock() });
    const waiting = log.next(
      { type: 'machine.state_changed' },
      undefined,
      (e) => e.to === 'started',
    );
    log.append(machineState('aaaaaaaaaaaaaa', 'created', 'starting'));
    log.append(machineState('aaaaaaaaaaaaaa', 'starting', 'started'));

    await expect(waiting).resolves.toMatchObject({ seq: 2, to: 'started' });
  });

  it('should write one JSON object per line', () => {
    const log = new EventLog({ clock: new VirtualClock() });
    log.append({ type: 'network.created', network: 'flysim-run1' });
    log.append({ type: 'network.removed', network: 'flysim-run1' });
    const lines = log.toJsonLines().trimEnd().split('\n');

    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ seq: 2, type: 'network.removed' });
  });

  it('should scrub secret values from every string field, nested ones too', () => {
    const redact = (text: string): string => text.replaceAll('hunter2-secret', '[REDACTED]');
    const log = new EventLog({ clock: new VirtualClock(), redact });
    log.append({
      type: 'platform.warning_issued',
      app: 'grupo-gad',
      key: 'env',
      message: 'DATABASE_URL=postgres://u:hunter2-secret@db',
    });
    log.append({
      type: 'secrets.deployed',
      app: 'grupo-gad',
      names: ['hunter2-secret'],
    });

    expect(log.toJsonLines()).not.toContain('hunter2-secret');
    expect(log.toJsonLines()).toContain('postgres://u:[REDACTED]@db');
  });
});

describe('the request events of the EventLog', () => {
  const served = (status: number) =>
    ({
      type: 'proxy.request_served',
      app: 'grupo-gad',
      machineId: 'aaaaaaaaaaaaaa',
      releaseVersion: 1,
      port: 443,
      method: 'GET',
      status,
      latencyMs: 1,
      errorCode: undefined,
    }) as const;

  it('should keep the latest requests and every other event, in append order', () => {
    const log = new EventLog({ clock: new VirtualClock(), requestEventLimit: 3 });
    log.append(machineState('aaaaaaaaaaaaaa', 'starting', 'started'));
    for (let i = 0; i < 10; i++) log.append(served(200 + i));
    log.append(machineState('aaaaaaaaaaaaaa', 'started', 'stopping'));
    log.append(served(299));

    expect(log.size).toBe(13);
    expect(log.droppedRequests).toBe(8);
    expect(log.query().map((e) => [e.seq, e.type])).toEqual([
      [1, 'machine.state_changed'],
      [10, 'proxy.request_served'],
      [11, 'proxy.request_served'],
      [12, 'machine.state_changed'],
      [13, 'proxy.request_served'],
    ]);
    expect(log.query({ type: 'proxy.request_served' }).map((e) => e.status)).toEqual([
      208, 209, 299,
    ]);
    expect(log.query({ type: 'machine.state_changed' })).toHaveLength(2);
  });

  it('should hold a bounded number of requests however many pass through', () => {
    const log = new EventLog({ clock: new VirtualClock(), requestEventLimit: 100 });
    for (let i = 0; i < 100_000; i++) log.append(served(200));

    expect(log.query({ machineId: 'aaaaaaaaaaaaaa' })).toHaveLength(100);
    expect(log.droppedRequests).toBe(99_900);
    expect(log.toJsonLines().split('\n')).toHaveLength(101);
  });

  it('should tell listeners of every request, kept or not', () => {
    const log = new EventLog({ clock: new VirtualClock(), requestEventLimit: 1 });
    const seen: number[] = [];
    log.subscribe((event) => seen.push(event.seq));
    for (let i = 0; i < 5; i++) log.append(served(200));

    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});
