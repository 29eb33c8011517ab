// Every case of flyctl's own test data (corpus/flyctl/expectations.json) as a test. Its `machine`
// facts (the Machines API configs flyctl builds) are asserted in deploy/expectations.test.ts:
// building machines is deploy's job, and config must not import deploy.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDir } from './corpus.js';
import { DecodeContext } from './decode.js';
import { defaultProcessName, formatProcessNames, processNames } from './groups.js';
import { loadConfigText, validateGroup, type ConfigReport } from './load.js';
import { PositionIndex } from './positions.js';
import type { FlyView } from './schema.js';
import { validateFlyView } from './validate.js';

// The repo's sibling `shared/` folder, wherever the repo is cloned.
const corpus = corpusDir('flyctl');

interface Expectation {
  readonly file?: string;
  readonly id?: string;
  readonly toml?: string;
  readonly valid?: boolean;
  readonly error_contains?: string | string[];
  readonly warnings_contain?: string | string[];
  readonly values?: Record<string, unknown>;
  readonly derived?: Record<string, unknown>;
  readonly strict?: {
    unrecognized_sections: string[];
    unrecognized_keys: Record<string, string[]>;
  };
  readonly groups?: Record<string, { valid: boolean; error_contains?: string }>;
  readonly mutations?: Mutation[];
}

interface Mutation extends Expectation {
  readonly set: Record<string, unknown>;
  readonly machine_error_contains?: string;
}

const expectations = JSON.parse(readFileSync(`${corpus}expectations.json`, 'utf8')) as {
  cases: Expectation[];
  inline_cases: Expectation[];
};

function load(item: Expectation): ConfigReport {
  if (item.toml !== undefined) return loadConfigText(item.toml, `${item.id ?? 'inline'}.toml`);
  const path = `${corpus}${item.file ?? ''}`;
  return loadConfigText(readFileSync(path, 'utf8'), path);
}

const fragments = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const messages = (
  report: { problems: readonly { severity: string; message: string }[] },
  severity: string,
) =>
  report.problems
    .filter((p) => p.severity === severity)
    .map((p) => p.message)
    .join('\n');

/** Reads a dotted path of flyctl's view; numeric segments index arrays. */
function valueAt(view: unknown, path: string): unknown {
  let at: unknown = view;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

// null in the expectations means absent, or Go's zero value for plain fields.
function expectValue(actual: unknown, expected: unknown, path: string): void {
  if (expected === null) {
    expect([undefined, null, '', 0, false], path).toContainEqual(actual);
    return;
  }
  expect(actual, path).toEqual(expected);
}

function expectOutcome(report: { problems: ConfigReport['problems'] }, item: Expectation): void {
  const errors = messages(report, 'error');
  if (item.valid !== undefined) expect(errors === '', errors).toBe(item.valid);
  for (const fragment of fragments(item.error_contains)) expect(errors).toContain(fragment);
  for (const fragment of fragments(item.warnings_contain)) {
    expect(messages(report, 'warning')).toContain(fragment);
  }
}

function expectValues(view: FlyView, values: Record<string, unknown> = {}): void {
  for (const [path, expected] of Object.entries(values))
    expectValue(valueAt(view, path), expected, path);
}

function expectDerived(view: FlyView, derived: Record<string, unknown> = {}): void {
  if ('process_names' in derived) expect(processNames(view)).toEqual(derived.process_names);
  if ('default_process_name' in derived) {
    expect(defaultProcessName(view)).toBe(derived.default_process_name);
  }
  if ('format_process_names' in derived) {
    expect(formatProcessNames(view)).toBe(derived.format_process_names);
  }
}

function expectStrict(report: ConfigReport, strict: Expectation['strict']): void {
  if (strict === undefined) return;
  const sortedKeys = (keys: Readonly<Record<string, readonly string[]>>) =>
    Object.fromEntries(Object.entries(keys).map(([section, list]) => [section, [...list].sort()]));
  expect([...report.strict.unrecognizedSections].sort()).toEqual(
    [...strict.unrecognized_sections].sort(),
  );
  expect(sortedKeys(report.strict.unrecognizedKeys)).toEqual(sortedKeys(strict.unrecognized_keys));
}

function expectGroups(report: ConfigReport, groups: Expectation['groups']): void {
  for (const [group, outcome] of Object.entries(groups ?? {})) {
    const errors = validateGroup(report, group).filter((p) => p.severity === 'error');
    expect(errors.length === 0, `group ${group}`).toBe(outcome.valid);
    if (outcome.error_contains !== undefined) {
      expect(errors.map((p) => p.message).join('\n')).toContain(outcome.error_contains);
    }
  }
}

/** Applies a mutation to a copy of flyctl's view and validates it again. */
function mutate(report: ConfigReport, set: Record<string, unknown>) {
  const view = structuredClone(report.flyctlView) as Record<string, unknown>;
  for (const [path, value] of Object.entries(set)) setAt(view, path.split('.'), value);
  const ctx = new DecodeContext(report.path, new PositionIndex());
  validateFlyView({ view, ctx });
  const mutated: ConfigReport = { ...report, flyctlView: view, problems: ctx.problems };
  return { mutated };
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head = '', ...rest] = path;
  if (rest.length === 0) {
    if (value === null) delete target[head];
    else target[head] = value;
    return;
  }
  target[head] ??= {};
  setAt(target[head] as Record<string, unknown>, rest, value);
}

describe('flyctl test data (expectations.json)', () => {
  const cases = [...expectations.cases, ...expectations.inline_cases];

  it.each(cases.map((item) => [item.file ?? item.id, item] as const))('%s', (_name, item) => {
    const report = load(item);
    expect(report.status).not.toBe('unreadable');

    expectOutcome(report, item);
    expectValues(report.flyctlView, item.values);
    expectDerived(report.flyctlView, item.derived);
    expectStrict(report, item.strict);
    expectGroups(report, item.groups);

    for (const mutation of item.mutations ?? []) {
      const { mutated } = mutate(report, mutation.set);
      expectOutcome(mutated, mutation);
      expectValues(mutated.flyctlView, mutation.values);
      expectGroups(mutated, mutation.groups);
      if (mutation.machine_error_contains !== undefined) {
        expect(messages(mutated, 'warning')).toContain(mutation.machine_error_contains);
      }
    }
  });

  it('counts every case', () => {
    expect(cases.length).toBe(expectations.cases.length + expectations.inline_cases.length);
    expect(expectations.cases.length).toBe(41);
  });
});
