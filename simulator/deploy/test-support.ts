// Unit-test support: a Platform on the FakeRuntime and a VirtualClock, an app directory in a
// temp folder, and a driver that moves virtual time until a deploy settles (no real sleeps).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../clock/virtual-clock.js';
import type { FlysimEvent } from '../events/event-types.js';
import { Platform } from '../platform/platform.js';
import { fakeProber } from '../platform/test-harness.js';
import { FakeRuntime, type FakeProgram } from '../runtime/fake-runtime.js';

export interface ReleasePrograms {
  /** What the release command does. @default exits 0 after 500 ms */
  readonly release?: FakeProgram;
  /** What app machines do. @default run and answer 200 */
  readonly app?: FakeProgram;
}

export interface DeployHarness {
  readonly clock: VirtualClock;
  readonly runtime: FakeRuntime;
  readonly platform: Platform;
  readonly dir: string;
  readonly configPath: string;
  /** Scripts the containers of the image deployed with `imageLabel: label`. */
  program(label: string, programs?: ReleasePrograms): string;
  /** Rewrites fly.toml. */
  writeConfig(toml: string): void;
  /** Moves virtual time in steps until `work` settles (bounded by `maxMs`). */
  drive<T>(work: Promise<T>, maxMs?: number): Promise<T>;
  /** The deploy's lines as `<status> <message>`, for comparing orders of operations. */
  lines(filter?: (event: FlysimEvent) => boolean): string[];
  close(): Promise<void>;
}

export const SAMPLE_TOML = `app = "shop"
primary_region = "mad"

[deploy]
  release_command = "migrate"

[http_service]
  internal_port = 8080

  [[http_service.checks]]
    interval = "5s"
    timeout = "2s"
    grace_period = "1s"
    path = "/health"
`;

export function deployHarness(toml: string = SAMPLE_TOML): DeployHarness {
  const dir = mkdtempSync(join(tmpdir(), 'flysim-deploy-'));
  const configPath = join(dir, 'fly.toml');
  writeFileSync(configPath, toml);
  writeFileSync(join(dir, 'Dockerfile'), 'FROM node:20-bookworm-slim\nCMD ["node", "server.js"]\n');

  const clock = new VirtualClock();
  const runtime = new FakeRuntime(clock);
  const platform = new Platform({
    ...{ runtime, clock, runId: 'unit', stateDir: join(dir, '.state') },
    prober: fakeProber(runtime, clock),
    random: seededRandom(),
  });

  return {
    ...{ clock, runtime, platform, dir, configPath },
    program: (label, programs = {}) => {
      const image = `registry.fly.io/shop:${label}`;
      const release = programs.release ?? { exitAfterMs: 500, exitCode: 0 };
      runtime.setProgram(image, (spec) =>
        spec.cmd?.[0] === 'migrate' ? release : (programs.app ?? {}),
      );
      return label;
    },
    writeConfig: (text) => writeFileSync(configPath, text),
    drive: (work, maxMs) => drive(clock, work, maxMs),
    lines: (filter = () => true) =>
      platform.events
        .query({ type: ['deploy.status_updated', 'deploy.message_printed'] })
        .filter(filter)
        .map((event) =>
          event.type === 'deploy.status_updated'
            ? `${event.status} ${event.message}`
            : `${event.level} ${event.message}`,
        ),
    close: async () => {
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function drive<T>(clock: VirtualClock, work: Promise<T>, maxMs = 3_600_000): Promise<T> {
  let settled = false;
  const watched = work.finally(() => (settled = true));
  for (let elapsed = 0; !settled && elapsed < maxMs; elapsed += 100) await clock.advance(100);
  return watched;
}

// Distinct, repeatable machine ids: a counter in the first bytes.
function seededRandom(): (bytes: number) => Uint8Array {
  let counter = 0;
  return (bytes) => {
    counter++;
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) out[i] = (counter * (i + 7) * 31) & 0xff;
    out[0] = counter & 0xff;
    return out;
  };
}
