import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import { EventLog } from '../events/event-log.js';
import { ConsoleReporter } from './console-reporter.js';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(String(chunk)));
  return { stream, text: () => chunks.join('') };
}

function script(events: EventLog): void {
  const ref = { app: 'shop', deployId: 'd1' };
  events.append({
    type: 'deploy.phase_started',
    ...ref,
    phase: 'build',
    message: '==> Building image',
    explain: [],
  });
  for (const [index, status, message] of [
    [1, 'running', 'Updating 3287eeeb342085 [app]'],
    [1, 'running', 'Waiting for 3287eeeb342085 [app] to become healthy: 0/1'],
    [1, 'succeeded', 'Machine 3287eeeb342085 [app] update succeeded'],
    [2, 'failed', 'Machine 4287eeeb342085 [app] update canceled'],
  ] as const) {
    events.append({
      ...{
        type: 'deploy.status_updated',
        ...ref,
        lineKey: `update:${index}`,
        machineId: undefined,
      },
      ...{ index, total: 2, status, message },
    });
  }
  events.append({
    type: 'deploy.message_printed',
    ...ref,
    level: 'warn',
    source: 'flyctl',
    message: 'WARN API_KEY may be ...',
  });
  events.append({
    ...{
      type: 'deploy.finished',
      ...ref,
      status: 'failed',
      phase: 'update_machines',
      releaseVersion: 2,
    },
    ...{
      errorCode: 'FLYSIM_DEPLOY_SMOKE_CHECKS',
      errorMessage: 'smoke checks for 3287eeeb342085 failed: the app appears to be crashing',
      errorHint: undefined,
    },
  });
}

describe('ConsoleReporter', () => {
  it('plain: should print every update as a full flyctl line, warnings and the error on stderr', () => {
    const events = new EventLog({ clock: new VirtualClock() });
    const out = capture();
    const err = capture();
    const reporter = new ConsoleReporter(events, {
      out: out.stream,
      err: err.stream,
      mode: 'plain',
      color: false,
    });
    script(events);
    reporter.close();

    expect(out.text()).toBe(
      [
        '==> Building image',
        '> [1/2] Updating 3287eeeb342085 [app]',
        '> [1/2] Waiting for 3287eeeb342085 [app] to become healthy: 0/1',
        '✔ [1/2] Machine 3287eeeb342085 [app] update succeeded',
        '✖ [2/2] Machine 4287eeeb342085 [app] update canceled',
        '',
      ].join('\n'),
    );
    expect(err.text()).toBe(
      'WARN API_KEY may be ...\nError: smoke checks for 3287eeeb342085 failed: the app appears to be crashing\n',
    );
  });

  it('tty: should redraw per-machine lines in place; color only when asked; nothing after close()', () => {
    const events = new EventLog({ clock: new VirtualClock() });
    const out = capture();
    const err = capture();
    const reporter = new ConsoleReporter(events, {
      out: out.stream,
      err: err.stream,
      mode: 'tty',
      color: true,
    });
    script(events);
    reporter.close();
    reporter.close();
    script(events);

    const text = out.text();
    expect(text).toContain('\u001b[1F\u001b[J');
    expect(text).toContain(
      '\u001b[32m✔\u001b[0m [1/2] Machine 3287eeeb342085 [app] update succeeded',
    );
    expect(text.match(/==> Building image/g)).toHaveLength(1);
  });
});
