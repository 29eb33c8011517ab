// Request bodies of the control API, checked field by field: the server trusts nothing it reads.

import { FlysimError } from '../errors.js';
import type { DeployCommandRequest, SecretsCommandRequest } from './control-api.js';
import type { OutputMode, Presentation } from './presentation.js';

const MODES: readonly OutputMode[] = ['tty', 'plain', 'json'];

export function badRequest(message: string): FlysimError {
  return new FlysimError('FLYSIM_CONTROL_BAD_REQUEST', message, {
    hint: 'use the flysim CLI of the same version as the running platform',
  });
}

export function readDeployRequest(body: unknown): DeployCommandRequest {
  const record = asRecord(body);
  return {
    env: readStringRecord(record['env'] ?? {}, 'env'),
    explain: record['explain'] === true,
    presentation: readPresentation(record['presentation']),
  };
}

export function readSecretsRequest(body: unknown): SecretsCommandRequest {
  const record = asRecord(body);
  return {
    stage: record['stage'] === true,
    presentation: readPresentation(record['presentation']),
  };
}

export function readValues(body: unknown): Record<string, string> {
  const values = readStringRecord(asRecord(body)['values'], 'values');
  if (Object.keys(values).length === 0) throw badRequest('`values` must name at least one secret');
  return values;
}

export function readStringList(body: unknown, key: string): string[] {
  const list = asRecord(body)[key];
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) {
    throw badRequest(`\`${key}\` must be a non-empty list of strings`);
  }
  return list;
}

function readPresentation(value: unknown): Presentation {
  const record = value === undefined ? {} : asRecord(value);
  const mode = record['mode'] ?? 'plain';
  if (typeof mode !== 'string' || !MODES.includes(mode as OutputMode)) {
    throw badRequest(`\`presentation.mode\` must be one of ${MODES.join(', ')}`);
  }
  return { mode: mode as OutputMode, color: record['color'] === true };
}

function readStringRecord(value: unknown, key: string): Record<string, string> {
  const record = asRecord(value, key);
  if (!Object.values(record).every((v) => typeof v === 'string')) {
    throw badRequest(`\`${key}\` must map names to strings`);
  }
  return record as Record<string, string>;
}

function asRecord(value: unknown, key = 'the body'): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw badRequest(`${key} must be a JSON object`);
}
