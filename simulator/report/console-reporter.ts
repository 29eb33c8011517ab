// flyctl's console output as a view of the EventLog: phase headers, statuslogger lines (reference
// §2.2), warnings and the final error. `plain` prints every update as a full line, as flyctl does
// in CI; `tty` redraws each machine's line in place. Color only when asked (NO_COLOR is read by
// the CLI, which passes `color: false`).

import type { Writable } from 'node:stream';
import type { EventLog } from '../events/event-log.js';
import type {
  DeployFinished,
  DeployLineStatus,
  DeployMessagePrinted,
  DeployPhaseFinished,
  DeployPhaseStarted,
  DeployStatusUpdated,
  FlysimEvent,
} from '../events/event-types.js';

export interface ConsoleReporterOptions {
  readonly out: Writable;
  readonly err: Writable;
  /** `tty` redraws status lines in place; `plain` prints each update on its own line. */
  readonly mode: 'tty' | 'plain';
  readonly color: boolean;
  /** Print the image build's own output. @default true */
  readonly buildOutput?: boolean;
  /** Print `Error: <message>` and the hint when a deploy fails. @default true */
  readonly errors?: boolean;
}

const GLYPHS: Readonly<Record<DeployLineStatus, string>> = {
  running: '>',
  succeeded: '✔',
  failed: '✖',
  none: ' ',
};
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2 } as const;
type Tint = keyof typeof ANSI;

/** Renders deploy events as flyctl's lines while subscribed; `close()` stops it. */
export class ConsoleReporter {
  readonly #options: ConsoleReporterOptions;
  readonly #unsubscribe: () => void;
  /** The TTY's live block: status lines by key, in the order they appeared. */
  readonly #live = new Map<string, string>();
  #drawnLines = 0;
  #frame = 0;
  #closed = false;

  constructor(events: EventLog, options: ConsoleReporterOptions) {
    this.#options = options;
    this.#unsubscribe = events.subscribe((event) => this.#render(event));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#live.clear();
  }

  #render(event: FlysimEvent): void {
    switch (event.type) {
      case 'deploy.phase_started':
        return this.#phaseStarted(event);
      case 'deploy.phase_finished':
        return this.#phaseFinished(event);
      case 'deploy.status_updated':
        return this.#status(event);
      case 'deploy.message_printed':
        return this.#message(event);
      case 'deploy.finished':
        return this.#finished(event);
      default:
        return;
    }
  }

  #phaseStarted(event: DeployPhaseStarted): void {
    if (event.message !== undefined) this.#line('out', this.#tint('cyan', event.message));
    for (const key of event.explain) {
      const where = `${key.file}:${key.line}`;
      this.#line('out', this.#tint('dim', `    ↳ ${where}  ${key.text}`));
    }
  }

  #phaseFinished(event: DeployPhaseFinished): void {
    if (event.message !== undefined && !event.failed) this.#line('out', event.message);
  }

  #message(event: DeployMessagePrinted): void {
    if (event.source === 'build') {
      if (this.#options.buildOutput !== false) this.#line('out', this.#tint('dim', event.message));
      return;
    }
    if (event.level === 'info') return this.#line('out', event.message);
    this.#line('err', this.#tint(event.level === 'warn' ? 'yellow' : 'red', event.message));
  }

  #finished(event: DeployFinished): void {
    if (event.status !== 'failed' || this.#options.errors === false) return;
    const hint = event.errorHint === undefined ? '' : `\n\n${event.errorHint}`;
    this.#line('err', `${this.#tint('red', 'Error:')} ${event.errorMessage ?? ''}${hint}`);
  }

  #status(event: DeployStatusUpdated): void {
    if (this.#options.mode === 'plain') return this.#line('out', this.#statusText(event));

    this.#live.set(event.lineKey, this.#statusText(event));
    this.#redraw();
  }

  #statusText(event: DeployStatusUpdated): string {
    const glyph =
      this.#options.mode === 'tty' && event.status === 'running'
        ? (SPINNER[this.#frame++ % SPINNER.length] ?? '>')
        : GLYPHS[event.status];
    const tint: Tint | undefined =
      event.status === 'succeeded' ? 'green' : event.status === 'failed' ? 'red' : undefined;
    return `${tint ? this.#tint(tint, glyph) : glyph} ${slot(event)}${event.message}`;
  }

  // Moves up over the block drawn last, clears to the end of the screen and draws it again.
  #redraw(): void {
    const up = this.#drawnLines > 0 ? `\u001b[${this.#drawnLines}F\u001b[J` : '';
    const lines = [...this.#live.values()];
    this.#options.out.write(`${up}${lines.join('\n')}\n`);
    this.#drawnLines = lines.length;
  }

  #line(stream: 'out' | 'err', text: string): void {
    // Anything else printed ends the live block: it stays on screen as it was last drawn.
    this.#live.clear();
    this.#drawnLines = 0;
    (stream === 'out' ? this.#options.out : this.#options.err).write(`${text}\n`);
  }

  #tint(tint: Tint, text: string): string {
    return this.#options.color ? `\u001b[${ANSI[tint]}m${text}\u001b[0m` : text;
  }
}

/** flyctl's `[i/N] ` prefix: zero-padded to N's width, only when N > 1. */
function slot(event: DeployStatusUpdated): string {
  if (event.index === undefined || event.total === undefined || event.total <= 1) return '';
  const width = String(event.total).length;
  return `[${String(event.index).padStart(width, '0')}/${event.total}] `;
}
