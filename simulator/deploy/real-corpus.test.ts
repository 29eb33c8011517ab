// Every valid fly.toml of the real corpus (120 public repositories) must turn into machine
// configs: one per process group, plus the release machine when there is a release command.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDir } from '../config/corpus.js';
import { loadConfigText } from '../config/load.js';
import { buildAppMachineConfig, buildReleaseMachineConfig } from './machine-config.js';

const corpus = corpusDir('real');
const files = readdirSync(corpus).filter((name) => name.endsWith('.toml'));

// `[[files]] local_path` names files of the original repository, which the corpus lacks.
const readLocalFile = () => new Uint8Array();

describe('machine configs for the real corpus', () => {
  it('should build every group of every valid file', () => {
    let machines = 0;
    for (const name of files) {
      const config = loadConfigText(readFileSync(`${corpus}${name}`, 'utf8'), name).config;
      if (config === undefined) continue;

      for (const group of config.processGroups) {
        const machine = buildAppMachineConfig(config, group.name, { readLocalFile });
        expect(machine.metadata?.fly_process_group, name).toBe(group.name);
        machines += 1;
      }
      if (config.deploy.releaseCommandArgv !== undefined) {
        expect(buildReleaseMachineConfig(config, { readLocalFile }).init?.cmd, name).toEqual(
          config.deploy.releaseCommandArgv,
        );
      }
    }
    expect(machines).toBeGreaterThan(100);
  });
});
