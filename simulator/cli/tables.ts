// flyctl's tables: a header row in capitals, cells padded to the column's width and separated by
// a tab, as its tablewriter prints them (`fly machines list`, `fly secrets list`, ...).

import type { CheckView, MachineView, ReleaseView, SecretView, StatusView } from './control-api.js';

export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('\t')
      .trimEnd();
  return [line(headers), ...rows.map(line)].map((text) => `${text}\n`).join('');
}

/** `2026-06-01T04:23:52Z`: what flyctl shows in LAST UPDATED columns. */
export function shortIso(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

function checkSummary(machine: MachineView): string {
  const { total, passing, warning, critical } = machine.checks;
  if (total === 0) return '';

  const parts = [`${total} total`];
  if (passing > 0) parts.push(`${passing} passing`);
  if (warning > 0) parts.push(`${warning} warning`);
  if (critical > 0) parts.push(`${critical} critical`);
  return parts.join(', ');
}

/** `fly status`: the app block, then its machines. */
export function renderStatus(status: StatusView): string {
  const app = [
    'App',
    `  Name     = ${status.app}`,
    '  Owner    = personal',
    `  Hostname = ${status.hostname}`,
    `  Image    = ${status.image ?? '-'}`,
    '',
  ].join('\n');
  if (status.machines.length === 0)
    return `${app}\nNo machines are available on this app ${status.app}\n`;

  const rows = status.machines.map((m) => [
    ...[m.processGroup, m.id, String(m.releaseVersion), m.region, m.state, ''],
    ...[checkSummary(m), shortIso(m.updatedAt)],
  ]);
  const headers = ['PROCESS', 'ID', 'VERSION', 'REGION', 'STATE', 'ROLE', 'CHECKS', 'LAST UPDATED'];
  return `${app}\nMachines\n${renderTable(headers, rows)}`;
}

/** `fly machines list`. */
export function renderMachines(app: string, machines: readonly MachineView[]): string {
  if (machines.length === 0) return `No machines are available on this app ${app}\n`;

  const headers = ['ID', 'NAME', 'STATE', 'CHECKS', 'REGION', 'IMAGE', 'VERSION', 'CREATED'];
  const rows = machines.map((m) => [
    ...[m.id, m.name, m.state, checkSummary(m), m.region, m.image],
    ...[`v${m.releaseVersion}`, shortIso(m.createdAt)],
  ]);
  const rest = [...headers, 'LAST UPDATED', 'PROCESS GROUP'];
  const full = rows.map((row, i) => [
    ...row,
    shortIso(machines[i]?.updatedAt ?? ''),
    machines[i]?.processGroup ?? '',
  ]);
  const count = `${machines.length} machine${machines.length === 1 ? ' has' : 's have'}`;
  return `${count} been retrieved from app ${app}.\n\n${app}\n${renderTable(rest, full)}`;
}

/** `fly releases`. */
export function renderReleases(releases: readonly ReleaseView[]): string {
  const rows = [...releases]
    .sort((a, b) => b.version - a.version)
    .map((r) => [
      `v${r.version}`,
      r.status,
      r.description,
      'flysim',
      shortIso(r.createdAt),
      r.image,
    ]);
  return renderTable(['VERSION', 'STATUS', 'DESCRIPTION', 'USER', 'DATE', 'DOCKER IMAGE'], rows);
}

/** `fly checks list`: flyctl's bordered table, one row per check per machine. */
export function renderChecks(app: string, checks: readonly CheckView[]): string {
  const headers = ['NAME', 'STATUS', 'MACHINE', 'LAST UPDATED', 'OUTPUT'];
  const rows = checks.map((c) => [c.name, c.status, c.machineId, shortIso(c.updatedAt), c.output]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')}`.trimEnd();
  const rule = widths.map((w, i) => '-'.repeat(w + (i === 0 ? 2 : 2))).join('*');

  const body = rows.map(line).join('\n');
  return `Health Checks for ${app}\n${line(headers)}\n${rule}\n${body}${body === '' ? '' : '\n'}`;
}

/** `fly secrets list` (2026): NAME DIGEST STATUS, staged names marked `* `, and the footer. */
export function renderSecrets(secrets: readonly SecretView[]): string {
  const rows = secrets.map((s) => [
    `${s.status === 'Staged' ? '* ' : ''}${s.name}`,
    s.digest,
    s.status,
  ]);
  const table = renderTable(['NAME', 'DIGEST', 'STATUS'], rows);
  const staged = secrets.filter((s) => s.status !== 'Deployed').length;
  if (staged === 0) return table;

  const subject = staged === 1 ? 'There is 1 secret' : `There are ${staged} secrets`;
  return `${table}\n${subject} not deployed. Deploy with \`flysim secrets deploy\` to make them available.\n`;
}
