// Loading the app's fly.toml for a command: a missing or invalid file is a config error (exit 2)
// whose message names the file and the fix; the problems are printed as `config validate` does.

import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { findConfigFile, loadConfigFile, type ConfigReport } from '../config/load.js';
import { formatProblem } from '../config/problem.js';
import { FlysimError } from '../errors.js';
import type { CliContext } from './context.js';

export interface LoadedApp {
  readonly config: AppConfig & { readonly app: string };
  readonly report: ConfigReport;
  readonly path: string;
}

export async function loadAppConfig(
  ctx: Pick<CliContext, 'cwd' | 'stderr'>,
  configPath: string | undefined,
): Promise<LoadedApp> {
  const path = resolve(ctx.cwd, await findConfigFile(ctx.cwd, configPath));
  const report = await loadConfigFile(path);
  if (report.status === 'unreadable') throw unreadable(path, report);

  if (report.config === undefined) {
    const errors = report.problems.filter((problem) => problem.severity === 'error');
    for (const problem of errors) ctx.stderr.write(`${formatProblem(problem)}\n`);
    throw new FlysimError('FLYSIM_CONFIG_INVALID', `${path} is not a valid app configuration`, {
      hint: `fix the errors above (\`flysim config validate ${path}\` lists them)`,
    });
  }
  const app = report.config.app;
  if (app === undefined || app === '') throw missingApp(path);
  return { config: { ...report.config, app }, report, path };
}

function unreadable(path: string, report: ConfigReport): FlysimError {
  const problem = report.problems[0];
  const reason = problem?.message ?? 'cannot be read';
  const missing = reason.includes('ENOENT');
  return new FlysimError(
    missing ? 'FLYSIM_CONFIG_NOT_FOUND' : 'FLYSIM_CONFIG_UNREADABLE',
    missing ? `no config file at ${path}` : `${path}: ${reason}`,
    {
      hint: missing
        ? "pass the app's fly.toml with --config PATH, or run flysim in the app directory"
        : (problem?.hint ?? 'fix the file and try again'),
    },
  );
}

function missingApp(path: string): FlysimError {
  return new FlysimError('FLYSIM_CONFIG_NO_APP', `${path} has no app name`, {
    hint: 'add `app = "<name>"` at the top of fly.toml',
  });
}
