// `npm run bench -- deploy [speed]`: wall time of a warm second deploy of the sample app (rolling,
// two machines) at --speed 10, split by phase, next to the floor: a fully cached image build,
// the containers' own work (release command, stops, starts) and the platform's scaled waits.
// flysim's overhead is the rest, as a share of the total (target: under 10 %).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmCaFile } from '../cli/npm-ca.js';
import { ScaledClock } from '../clock/scaled-clock.js';
import { deployApp } from '../deploy/deploy-app.js';
import { SMOKE_CHECK_WINDOW_MS } from '../deploy/options.js';
import type { FlysimEvent } from '../events/event-types.js';
import { resolveChecks } from '../platform/machine-config.js';
import { Platform } from '../platform/platform.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = 'grupo-gad';

export async function run(args: readonly string[]): Promise<void> {
  const speed = Number(args[0] ?? 10);
  const runtime = new DockerRuntime();
  const stateDir = mkdtempSync(join(tmpdir(), 'flysim-bench-deploy-'));
  const platform = new Platform({
    ...{ runtime, clock: new ScaledClock({ speed }), stateDir },
    runId: `bench-deploy-${process.pid}`,
  });

  try {
    await prepare(platform);
    const configPath = join(ROOT, 'fly.toml');
    const buildCaFile = await npmCaFile(process.env);
    const first = await deployApp({ configPath, buildCaFile }, { platform });
    if (first.status !== 'succeeded')
      throw new Error(`first deploy failed: ${first.error?.message}`);

    const since = platform.events.size;
    const started = performance.now();
    const second = await deployApp({ configPath, buildCaFile }, { platform });
    const totalMs = performance.now() - started;
    if (second.status !== 'succeeded') throw new Error(`deploy failed: ${second.error?.message}`);

    const buildFloorMs = await cachedBuildMs(runtime, buildCaFile);
    report(speed, totalMs, second.durations, floorOf(platform, since, speed, buildFloorMs));
  } finally {
    await platform.close();
    await runtime.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function prepare(platform: Platform): Promise<void> {
  await platform.attachPostgres(APP);
  await platform.attachRedis(APP);
  platform.secrets.set(APP, { SECRET_KEY: 'k'.repeat(40), JWT_SECRET_KEY: 'j'.repeat(40) });
}

interface Floor {
  readonly buildMs: number;
  readonly releaseCommandMs: number;
  readonly stopsMs: number;
  readonly startsMs: number;
  readonly waitsMs: number;
}

/** The containers' own work, read from the events' wall times, plus the scaled waits. */
function floorOf(platform: Platform, since: number, speed: number, buildMs: number): Floor {
  const events = platform.events.query().filter((event) => event.seq > since);
  const app = platform.machines(APP).filter((m) => m.config.metadata?.processGroup === 'app');
  const release = platform
    .machines(APP)
    .filter((m) => m.config.metadata?.processGroup === 'fly_app_release_command')
    .at(-1);

  const graceMs = Math.max(
    0,
    ...app.flatMap((m) => resolveChecks(m.config)).map((c) => c.gracePeriodMs),
  );
  const perMachineWaitMs = Math.max(SMOKE_CHECK_WINDOW_MS, graceMs) / speed;
  return {
    buildMs,
    releaseCommandMs: spanMs(events, release?.id, 'starting', 'destroyed'),
    stopsMs: app.reduce((sum, m) => sum + spanMs(events, m.id, 'updating', 'starting'), 0),
    startsMs: app.reduce((sum, m) => sum + spanMs(events, m.id, 'starting', 'started'), 0),
    waitsMs: perMachineWaitMs * app.length,
  };
}

/** Wall ms from a machine's first move to state `from` to its next move to state `to`. */
function spanMs(
  events: readonly FlysimEvent[],
  machineId: string | undefined,
  from: string,
  to: string,
) {
  const moves = events.filter(
    (e) => e.type === 'machine.state_changed' && e.machineId === machineId,
  );
  const start = moves.find((e) => e.type === 'machine.state_changed' && e.to === from);
  const end = moves.find(
    (e) => e.type === 'machine.state_changed' && e.to === to && e.seq > (start?.seq ?? 0),
  );
  return start && end ? end.wallTime - start.wallTime : 0;
}

async function cachedBuildMs(runtime: DockerRuntime, caFile: string | undefined) {
  const extraFiles = { '.npm-ca.pem': caFile === undefined ? '' : readFileSync(caFile, 'utf8') };
  const started = performance.now();
  await runtime.buildImage({
    contextDir: ROOT,
    extraFiles,
    tag: 'flysim-bench/grupo-gad:cached',
    labels: { 'dev.flysim.app': APP },
  });
  return performance.now() - started;
}

function report(
  speed: number,
  totalMs: number,
  durations: Readonly<Record<string, number | undefined>>,
  floor: Floor,
): void {
  const parts: [string, number][] = Object.entries({ ...floor } satisfies Record<string, number>);
  const floorMs = parts.reduce((sum, [, value]) => sum + value, 0);
  const overheadMs = Math.max(0, totalMs - floorMs);
  const lines = [
    `warm second deploy of ${APP} (rolling, 2 machines) at --speed ${speed}`,
    `total wall: ${ms(totalMs)}`,
    'by phase:',
    ...Object.entries(durations).map(([phase, value]) => `  ${phase.padEnd(16)} ${ms(value ?? 0)}`),
    'floor:',
    ...parts.map(([part, value]) => `  ${part.padEnd(16)} ${ms(value)}`),
    `  ${'total'.padEnd(16)} ${ms(floorMs)}`,
    `flysim overhead: ${ms(overheadMs)} = ${((overheadMs / totalMs) * 100).toFixed(1)} % of the total (target < 10 %)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
