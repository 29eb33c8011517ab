// The CLI's one door to the deploy engine (simulator/deploy/) and its console reporter
// (simulator/report/): the platform host calls these and nothing else of theirs.

import type { DeployResult } from '../deploy/deploy-result.js';
import type { Platform } from '../platform/platform.js';
import type { EdgeProxy } from '../platform/proxy/edge-proxy.js';
import type { StreamSink } from './control-api.js';

export interface EngineDeployRequest {
  readonly configPath: string;
  /** The host's npm CA bundle, for Dockerfiles that ask for `.npm-ca.pem`. */
  readonly buildCaFile: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly explain: boolean;
  readonly signal: AbortSignal;
}

export interface EngineSecretsRequest {
  readonly app: string;
  readonly configPath: string;
  readonly signal: AbortSignal;
}

export interface EngineDeps {
  readonly platform: Platform;
  readonly proxy: EdgeProxy | undefined;
}

/** Renders a deploy's events as flyctl's lines until closed. */
export interface DeployReporter {
  close(): void;
}

export interface DeployEngine {
  deploy(request: EngineDeployRequest, deps: EngineDeps): Promise<DeployResult>;
  /** The restart-only deploy of `secrets set` and `secrets deploy`: no build, no release command. */
  secretsDeploy(request: EngineSecretsRequest, deps: EngineDeps): Promise<DeployResult>;
  report(platform: Platform, sink: StreamSink): DeployReporter;
}
