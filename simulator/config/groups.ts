// Process groups (reference §1.6): names, the default group, and which sections apply to which.

import type { FlyView } from './schema.js';

export const DEFAULT_GROUP = 'app';

/** Group names, sorted; `['app']` when there is no (or an empty) [processes] table. */
export function processNames(view: FlyView): string[] {
  const names = Object.keys(asRecord(view.processes)).sort();
  return names.length > 0 ? names : [DEFAULT_GROUP];
}

/** `app` when it is a group, else the first name in sorted order. */
export function defaultProcessName(view: FlyView): string {
  const names = processNames(view);
  return names.includes(DEFAULT_GROUP) ? DEFAULT_GROUP : (names[0] ?? DEFAULT_GROUP);
}

/** flyctl's FormatProcessNames: `['bar', 'foo']`. */
export function formatProcessNames(view: FlyView): string {
  return `[${processNames(view)
    .map((name) => `'${name}'`)
    .join(', ')}]`;
}

/** A section with no `processes` list belongs to the default group only. */
export function appliesTo(section: unknown, group: string, defaultGroup: string): boolean {
  const listed = processesOf(section);
  return listed.length === 0 ? group === defaultGroup : listed.includes(group);
}

export function processesOf(section: unknown): string[] {
  const listed = asRecord(section).processes;
  return Array.isArray(listed) ? listed.filter((p): p is string => typeof p === 'string') : [];
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const GROUPED_ARRAYS = ['services', 'mounts', 'files', 'metrics', 'restart', 'statics'] as const;

/**
 * The config seen by one process group (flyctl's Flatten): only that group's command, and only
 * the sections that apply to it, each narrowed to `processes = [group]`.
 */
export function flattenForGroup(view: FlyView, group: string): Record<string, unknown> {
  const defaultGroup = defaultProcessName(view);
  const keep = (section: unknown) => appliesTo(section, group, defaultGroup);
  const narrow = (section: unknown) => ({ ...asRecord(section), processes: [group] });
  const flat: Record<string, unknown> = { ...view };

  const commands = asRecord(view.processes);
  if (Object.keys(commands).length > 0) flat.processes = { [group]: commands[group] ?? '' };
  for (const key of GROUPED_ARRAYS) {
    if (view[key] !== undefined) flat[key] = asArray(view[key]).filter(keep).map(narrow);
  }
  if (view.http_service !== undefined) {
    flat.http_service = keep(view.http_service) ? narrow(view.http_service) : undefined;
  }
  const checks = Object.entries(asRecord(view.checks)).filter(([, check]) => keep(check));
  if (view.checks !== undefined) flat.checks = Object.fromEntries(checks);
  return flat;
}
