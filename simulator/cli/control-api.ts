// The control API between `flysim up` (which holds the platform) and the other commands: what
// each route returns, and the host the server calls. HTTP + JSON on 127.0.0.1, one bearer token.

import type { DeployResult } from '../deploy/deploy-result.js';
import type { Presentation } from './presentation.js';

export const CONTROL_API_VERSION = 'v1';

export interface CheckCounts {
  readonly total: number;
  readonly passing: number;
  readonly warning: number;
  readonly critical: number;
}

export interface MachineView {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly processGroup: string;
  readonly region: string;
  readonly image: string;
  /** The machine version (a ULID). */
  readonly version: string;
  /** The release it runs; 0 when it was not started by a deploy. */
  readonly releaseVersion: number;
  readonly restarts: number;
  readonly checks: CheckCounts;
  /** ISO times, platform clock. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Internal port → port published on 127.0.0.1, while it runs. */
  readonly hostPorts: Readonly<Record<string, number>>;
}

export type ReleaseStatus = 'pending' | 'running' | 'complete' | 'failed' | 'interrupted';

export interface ReleaseView {
  readonly version: number;
  readonly status: ReleaseStatus;
  /** `Release` for a deploy, `Secrets updated` for a restart-only deploy. */
  readonly description: string;
  readonly image: string;
  readonly createdAt: string;
}

export interface CheckView {
  readonly name: string;
  readonly kind: string;
  readonly machineId: string;
  readonly status: string;
  readonly output: string;
  readonly updatedAt: string;
}

export interface SecretView {
  readonly name: string;
  readonly digest: string;
  readonly status: string;
}

export interface ServiceView {
  readonly kind: string;
  readonly hostname: string;
  readonly state: string;
}

export interface ProxyView {
  readonly running: boolean;
  /** http and https URLs on localhost, when the edge proxy runs. */
  readonly urls: readonly string[];
  readonly certificatePath: string | undefined;
  /** Why it does not run, when it does not. */
  readonly note: string | undefined;
}

export interface StatusView {
  readonly app: string;
  readonly hostname: string;
  readonly runId: string;
  readonly speed: number;
  readonly configPath: string;
  /** The image of the latest complete release. */
  readonly image: string | undefined;
  readonly deploying: boolean;
  readonly machines: readonly MachineView[];
  readonly services: readonly ServiceView[];
  readonly proxy: ProxyView;
  /** Where to reach the app now: the proxy's URLs, else the machines' published ports. */
  readonly urls: readonly string[];
}

export interface DeployCommandRequest {
  /** `-e K=V`, added to `[env]` for this deploy. */
  readonly env: Readonly<Record<string, string>>;
  readonly explain: boolean;
  readonly presentation: Presentation;
}

export interface SecretsCommandRequest {
  readonly presentation: Presentation;
  /** `--stage`: store only, no deploy. */
  readonly stage: boolean;
}

export interface SecretsOutcome {
  /** What flyctl prints, e.g. `Secrets are staged for the first deployment`. */
  readonly message: string | undefined;
  /** The restart-only deploy, when one ran. */
  readonly deploy: DeployResult | undefined;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly hint: string | undefined;
}

/** One line of a streamed response (application/x-ndjson). */
export type StreamFrame =
  | { readonly type: 'out'; readonly text: string }
  | { readonly type: 'err'; readonly text: string }
  | { readonly type: 'line'; readonly text: string }
  | { readonly type: 'heartbeat' }
  | { readonly type: 'result'; readonly result: unknown }
  | { readonly type: 'error'; readonly error: ErrorBody };

/** Where a long operation writes flyctl's lines while it runs. */
export interface StreamSink {
  readonly presentation: Presentation;
  out(text: string): void;
  err(text: string): void;
}

export interface LogQuery {
  readonly machineId: string | undefined;
}

/** What the control server serves; the real one holds a Platform, tests use a fake. */
export interface ControlHost {
  status(): Promise<StatusView>;
  machines(): Promise<readonly MachineView[]>;
  releases(): Promise<readonly ReleaseView[]>;
  checks(): Promise<readonly CheckView[]>;
  secrets(): Promise<readonly SecretView[]>;
  deploy(
    request: DeployCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<DeployResult>;
  setSecrets(
    values: Readonly<Record<string, string>>,
    request: SecretsCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<SecretsOutcome>;
  unsetSecrets(
    names: readonly string[],
    request: SecretsCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<SecretsOutcome>;
  deploySecrets(
    request: SecretsCommandRequest,
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<SecretsOutcome>;
  /** Recent log lines in `fly logs` format. */
  logs(query: LogQuery): Promise<readonly string[]>;
  /** Recent lines, then new ones until `signal` aborts. */
  followLogs(query: LogQuery, signal: AbortSignal): AsyncIterable<string>;
  /** Asks the process that runs the platform to tear everything down and exit. */
  requestShutdown(): void;
}
