// Wires the DeployEngine port to simulator/deploy (deployApp, secretsDeploy) and
// simulator/report (ConsoleReporter).

import { Writable } from 'node:stream';
import { deployApp } from '../deploy/deploy-app.js';
import { secretsDeploy } from '../deploy/secrets-deploy.js';
import { ConsoleReporter } from '../report/console-reporter.js';
import type { StreamSink } from './control-api.js';
import type { DeployEngine } from './deploy-engine.js';

/** The engine of this build. */
export function createDeployEngine(): DeployEngine {
  return {
    deploy: (request, { platform }) => deployApp(request, { platform }),
    secretsDeploy: (request, { platform }) =>
      secretsDeploy({ app: request.app, signal: request.signal }, { platform }),
    report: (platform, sink) => new ConsoleReporter(platform.events, reporterOptions(sink)),
  };
}

/** Under --json the result object owns stdout: flyctl's lines go to stderr, without the error. */
function reporterOptions(sink: StreamSink) {
  const json = sink.presentation.mode === 'json';
  const err = sinkStream((text) => sink.err(text));
  return {
    out: json ? err : sinkStream((text) => sink.out(text)),
    err,
    mode: json ? ('plain' as const) : sink.presentation.mode,
    color: sink.presentation.color,
    errors: !json,
  };
}

function sinkStream(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      write(chunk.toString());
      callback();
    },
  });
}
