import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import { formatLogLine, LogStore } from './logs.js';

const line = { app: 'grupo-gad', region: 'mad', provider: 'app', level: 'info' } as const;

describe('LogStore', () => {
  it('should format lines like fly logs: second-precision UTC, provider[id], region, [level]message', () => {
    const entry = { ...line, machineId: '90803249cd50e8', message: 'Received error', seq: 1 };

    expect(formatLogLine({ ...entry, platformTime: Date.UTC(2026, 5, 1, 4, 23, 52, 999) })).toBe(
      '2026-06-01T04:23:52Z app[90803249cd50e8] mad [info]Received error',
    );
  });

  it('should query per machine and keep the last entries when limited', async () => {
    const clock = new VirtualClock();
    const logs = new LogStore({ clock });
    logs.write({ ...line, machineId: 'aaaaaaaaaaaaaa', message: 'one' });
    await clock.advance(2_000);
    logs.write({ ...line, machineId: 'bbbbbbbbbbbbbb', message: 'two' });
    logs.write({ ...line, machineId: 'aaaaaaaaaaaaaa', message: 'three' });

    expect(logs.query({ machineId: 'aaaaaaaaaaaaaa' }).map((e) => e.message)).toEqual([
      'one',
      'three',
    ]);
    expect(logs.query({ limit: 1 }).map((e) => e.message)).toEqual(['three']);
    expect(logs.lines({ since: clock.now() })).toHaveLength(2);
  });

  it('should redact every message before storing it', () => {
    const logs = new LogStore({
      clock: new VirtualClock(),
      redact: (t) => t.replaceAll('hunter22', '[redacted]'),
    });
    logs.write({ ...line, machineId: 'aaaaaaaaaaaaaa', message: 'password=hunter22' });

    expect(logs.lines()[0]).toMatch(/\[info\]password=\[redacted\]$/);
  });

  it('should stream recent entries, then new ones for the machine asked for, until aborted', async () => {
    const logs = new LogStore({ clock: new VirtualClock() });
    logs.write({ ...line, machineId: 'aaaaaaaaaaaaaa', message: 'before' });
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const entry of logs.stream({ machineId: 'aaaaaaaaaaaaaa' }, controller.signal)) {
        seen.push(entry.message);
        if (seen.length === 2) controller.abort();
      }
    })();
    logs.write({ ...line, machineId: 'bbbbbbbbbbbbbb', message: 'other machine' });
    logs.write({ ...line, machineId: 'aaaaaaaaaaaaaa', message: 'after' });
    await reading;

    expect(seen).toEqual(['before', 'after']);
  });
});
