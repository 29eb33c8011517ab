// The `machine` facts of flyctl's own test data (corpus/flyctl/expectations.json): the machine
// configs flyctl builds from fly.toml, built here by deploy/machine-config.ts and compared field
// by field. The rest of each case is asserted in config/expectations.test.ts.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/app-config.js';
import { corpusDir } from '../config/corpus.js';
import { DecodeContext } from '../config/decode.js';
import { loadConfigText } from '../config/load.js';
import { PositionIndex } from '../config/positions.js';
import { resolveAppConfig } from '../config/resolve.js';
import { validateFlyView } from '../config/validate.js';
import type { FlyMachineConfig } from './fly-machine-config.js';
import {
  buildAppMachineConfig,
  buildConsoleMachineConfig,
  buildReleaseMachineConfig,
  buildTestMachineConfig,
  machineChecksOf,
} from './machine-config.js';

const corpus = corpusDir('flyctl');

type Facts = Record<string, Record<string, unknown>>;

interface MachineCase {
  readonly file?: string;
  readonly id?: string;
  readonly toml?: string;
  readonly machine?: Facts;
  readonly mutations?: readonly {
    readonly set: Record<string, unknown>;
    readonly machine?: Facts;
    readonly machine_error_contains?: string;
  }[];
}

const expectations = JSON.parse(readFileSync(`${corpus}expectations.json`, 'utf8')) as {
  cases: MachineCase[];
  inline_cases: MachineCase[];
};

const withMachineFacts = [...expectations.cases, ...expectations.inline_cases].filter(
  (item) =>
    item.machine !== undefined ||
    item.mutations?.some((m) => m.machine !== undefined || m.machine_error_contains !== undefined),
);

function load(item: MachineCase) {
  const path = item.toml === undefined ? `${corpus}${item.file ?? ''}` : `${item.id}.toml`;
  const report = loadConfigText(item.toml ?? readFileSync(path, 'utf8'), path);
  if (report.config === undefined) throw new Error(`${path} did not load`);
  return { report, config: report.config };
}

/** flyctl's test changes the loaded config, then builds machines from it again. */
function mutated(
  view: Readonly<Record<string, unknown>>,
  path: string,
  set: Record<string, unknown>,
) {
  const copy = structuredClone(view) as Record<string, unknown>;
  for (const [key, value] of Object.entries(set)) {
    if (value === null) delete copy[key];
    else copy[key] = value;
  }
  const ctx = new DecodeContext(path, new PositionIndex());
  validateFlyView({ view: copy, ctx });
  return resolveAppConfig(copy, path, ctx);
}

/** `app`, `@release`, `@console`, `@test:<origin of the machine check>`. */
function machineFor(config: AppConfig, target: string): FlyMachineConfig {
  if (target === '@release') return buildReleaseMachineConfig(config);
  if (target === '@console') return buildConsoleMachineConfig(config);
  if (target.startsWith('@test:')) {
    const origin = target.slice('@test:'.length);
    const check = machineChecksOf(config).find((c) => c.origin === origin);
    if (check === undefined) throw new Error(`no machine check at ${origin}`);
    return buildTestMachineConfig(config, check);
  }
  return buildAppMachineConfig(config, target);
}

/** `flattened.<key>` facts are about the config flattened to the group, not the machine. */
function factValue(config: AppConfig, target: string, key: string): unknown {
  if (key === 'flattened.host_dedication_id') {
    return config.processGroups.find((g) => g.name === target)?.hostDedicationId;
  }
  if (key.startsWith('flattened.')) throw new Error(`unknown flattened fact ${key}`);

  let at: unknown = machineFor(config, target);
  for (const part of key.split('.')) {
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[part] : undefined;
  }
  return at;
}

const asserted: string[] = [];

// null means absent; objects and arrays must match exactly (toEqual ignores undefined fields,
// which is how an omitted JSON field is held here).
function expectFacts(config: AppConfig, facts: Facts = {}): void {
  for (const [target, byKey] of Object.entries(facts)) {
    for (const [key, expected] of Object.entries(byKey)) {
      const actual = factValue(config, target, key);
      if (expected === null) expect(actual ?? null, `${target}:${key}`).toBeNull();
      else expect(actual, `${target}:${key}`).toEqual(expected);
      asserted.push(`${target}:${key}`);
    }
  }
}

function expectBuildFails(config: AppConfig, fragment: string): void {
  const build = () => config.processGroups.map((g) => buildAppMachineConfig(config, g.name));
  expect(build).toThrow(fragment);
}

describe('machine configs from flyctl test data (expectations.json)', () => {
  it.each(withMachineFacts.map((item) => [item.file ?? item.id, item] as const))(
    '%s',
    (_name, item) => {
      const { report, config } = load(item);
      expectFacts(config, item.machine);

      for (const mutation of item.mutations ?? []) {
        const changed = mutated(report.flyctlView, report.path, mutation.set);
        expectFacts(changed, mutation.machine);
        if (mutation.machine_error_contains !== undefined) {
          expectBuildFails(changed, mutation.machine_error_contains);
        }
      }
    },
  );

  it('asserts every machine fact, none skipped', () => {
    const total = withMachineFacts.reduce(
      (sum, item) =>
        sum +
        countFacts(item.machine) +
        (item.mutations ?? []).reduce((n, m) => n + countFacts(m.machine), 0),
      0,
    );
    process.stdout.write(`\nmachine facts asserted: ${asserted.length} of ${total}\n`);
    expect(asserted.length).toBe(total);
  });
});

function countFacts(facts: Facts | undefined): number {
  return Object.values(facts ?? {}).reduce((sum, byKey) => sum + Object.keys(byKey).length, 0);
}
