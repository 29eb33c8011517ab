// Wires the DeployEngine port to simulator/deploy and simulator/report.

import { FlysimError } from '../errors.js';
import type { DeployEngine } from './deploy-engine.js';

function missing(what: string): FlysimError {
  return new FlysimError('FLYSIM_DEPLOY_ENGINE_MISSING', `${what} is not available in this build`, {
    hint: 'the deploy engine (simulator/deploy/deploy-app.ts) has not landed yet (issue #6)',
  });
}

/** The engine of this build. */
export function createDeployEngine(): DeployEngine {
  return {
    deploy: async () => Promise.reject(missing('deploy')),
    secretsDeploy: async () => Promise.reject(missing('the restart-only secrets deploy')),
    report: () => ({ close: () => undefined }),
  };
}
