import { describe, expect, it } from 'vitest';
import type { AppConfig, MachineCheckSpec } from '../config/app-config.js';
import { loadConfigText } from '../config/load.js';
import { isFlysimError } from '../errors.js';
import type { FlyMachineConfig } from './fly-machine-config.js';
import {
  buildAppMachineConfig,
  buildConsoleMachineConfig,
  buildReleaseMachineConfig,
  buildTestMachineConfig,
  machineChecksOf,
} from './machine-config.js';

function configOf(toml: string): AppConfig {
  const report = loadConfigText(toml, 'fly.toml');
  if (report.config === undefined) throw new Error(JSON.stringify(report.problems));
  return report.config;
}

const WEB = `app = "web"
primary_region = "mad"
kill_signal = "SIGTERM"
[env]
LOG_LEVEL = "info"
[http_service]
internal_port = 8080
force_https = true
[[http_service.machine_checks]]
command = ["curl", "-f", "http://[$FLY_TEST_MACHINE_IP]:8080/health"]
`;

const firstCheck = (config: AppConfig): MachineCheckSpec => {
  const check = machineChecksOf(config)[0];
  if (check === undefined) throw new Error('no machine check');
  return check;
};

function thrown(build: () => unknown): { code: string; message: string } {
  try {
    build();
  } catch (error) {
    if (isFlysimError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the build to fail');
}

describe('buildAppMachineConfig', () => {
  it('should replace what fly.toml owns and keep the rest of the current config', () => {
    const existing: FlyMachineConfig = {
      guest: { cpu_kind: 'shared', cpus: 3, memory_mb: 768 },
      schedule: 'daily',
      auto_destroy: true,
      env: { REMOVED: 'by-update' },
      mounts: [{ name: 'old', path: '/old' }],
      metadata: { retain: 'propagated' },
      init: { cmd: ['removed'] },
    };
    const machine = buildAppMachineConfig(configOf(WEB), 'app', { existing, image: 'img:1' });

    expect(machine.env).toEqual({
      LOG_LEVEL: 'info',
      FLY_PROCESS_GROUP: 'app',
      PRIMARY_REGION: 'mad',
    });
    expect(machine.guest).toEqual(existing.guest);
    expect(machine.schedule).toBe('daily');
    expect(machine.mounts).toBeUndefined();
    expect(machine.metadata).toMatchObject({ retain: 'propagated', fly_process_group: 'app' });
    expect(machine.init?.cmd).toBeUndefined();
    expect(machine.image).toBe('img:1');
  });

  it('should send a stop config only with what fly.toml sets', () => {
    expect(buildAppMachineConfig(configOf(WEB), 'app').stop_config).toEqual({ signal: 'SIGTERM' });
    expect(buildAppMachineConfig(configOf('app = "a"'), 'app').stop_config).toBeUndefined();
  });

  it('should send a restart policy only when [[restart]] applies, with retries when set', () => {
    const config = configOf('app = "a"\n[[restart]]\npolicy = "on-failure"\nretries = 3\n');
    expect(buildAppMachineConfig(config, 'app').restart).toEqual({
      policy: 'on-failure',
      max_retries: 3,
    });
    expect(buildAppMachineConfig(configOf('app = "a"'), 'app').restart).toBeUndefined();
  });

  it('should write service checks and concurrency with only the fields the file sets', () => {
    const config = configOf(`app = "a"
[[services]]
protocol = "tcp"
internal_port = 8080
[services.concurrency]
type = "requests"
soft_limit = 50
[[services.ports]]
port = 443
handlers = ["tls", "http"]
[[services.http_checks]]
interval = "5s"
path = "/health"
[services.http_checks.headers]
X-Forwarded-Proto = "https"
`);
    const [service] = buildAppMachineConfig(config, 'app').services ?? [];
    expect(service?.concurrency).toEqual({ type: 'requests', soft_limit: 50 });
    expect(service?.checks).toEqual([
      {
        type: 'http',
        interval: 5000,
        path: '/health',
        headers: [{ name: 'X-Forwarded-Proto', values: ['https'] }],
      },
    ]);
  });

  it('should base64-encode [[files]] raw values and local files, and pass secrets by name', () => {
    const config = configOf(`app = "a"
[[files]]
guest_path = "/etc/a"
raw_value = "hello"
[[files]]
guest_path = "/etc/b"
local_path = "b.txt"
[[files]]
guest_path = "/etc/c"
secret_name = "C_FILE"
`);
    const files = buildAppMachineConfig(config, 'app', {
      readLocalFile: () => new TextEncoder().encode('from disk'),
    }).files;
    expect(files).toEqual([
      { guest_path: '/etc/a', raw_value: 'aGVsbG8=' },
      { guest_path: '/etc/b', raw_value: Buffer.from('from disk').toString('base64') },
      { guest_path: '/etc/c', secret_name: 'C_FILE' },
    ]);
  });

  it('should name the file when a local file cannot be read', () => {
    const config = configOf('app = "a"\n[[files]]\nguest_path = "/etc/b"\nlocal_path = "b.txt"\n');
    expect(thrown(() => buildAppMachineConfig(config, 'app')).message).toBe(
      'could not read file b.txt for [[files]] guest_path /etc/b',
    );
  });

  it('should start from a machine_config file read through the reader given', () => {
    const config = configOf('app = "a"\nmachine_config = "m.json"\n');
    const machine = buildAppMachineConfig(config, 'app', {
      readMachineConfigFile: (path) =>
        path === 'm.json' ? '{"dns": {"nameservers": ["9.9.9.9"]}}' : '',
    });
    expect(machine.dns).toEqual({ nameservers: ['9.9.9.9'] });
    expect(thrown(() => buildAppMachineConfig(config, 'app')).code).toBe(
      'FLYSIM_DEPLOY_MACHINE_CONFIG',
    );
  });

  it('should fail with flyctl’s words when a top-level check has no port to use', () => {
    const config = configOf('app = "a"\n[checks.alive]\ntype = "tcp"\n');
    expect(thrown(() => buildAppMachineConfig(config, 'app')).message).toBe(
      "Check 'alive' for process group 'app' has no port set and the group has no http_service to take it from",
    );
  });

  it('should fail on a [[vm]] that flyctl cannot turn into a guest', () => {
    const config = configOf('app = "a"\n[[vm]]\nsize = "shared-cpu-3x"\n');
    expect(thrown(() => buildAppMachineConfig(config, 'app')).message).toContain(
      "'shared-cpu-3x' is an invalid machine size",
    );
  });

  it('should name the known groups for a group that does not exist', () => {
    expect(thrown(() => buildAppMachineConfig(configOf(WEB), 'worker'))).toEqual({
      code: 'FLYSIM_DEPLOY_UNKNOWN_GROUP',
      message: "fly.toml: no process group 'worker' (groups: app)",
    });
  });
});

describe('buildReleaseMachineConfig', () => {
  const RELEASE = `${WEB}[deploy]\nrelease_command = "node dist/migrate.js --yes"\n`;

  it('should run the release command with RELEASE_COMMAND=1, unrouted, never restarted', () => {
    const machine = buildReleaseMachineConfig(configOf(RELEASE), { image: 'img:2' });
    expect(machine).toMatchObject({
      image: 'img:2',
      init: { cmd: ['node', 'dist/migrate.js', '--yes'] },
      env: {
        LOG_LEVEL: 'info',
        RELEASE_COMMAND: '1',
        FLY_PROCESS_GROUP: 'fly_app_release_command',
        PRIMARY_REGION: 'mad',
      },
      restart: { policy: 'no' },
      auto_destroy: true,
      dns: { skip_registration: true },
      stop_config: { signal: 'SIGTERM' },
    });
    expect(machine.services).toBeUndefined();
    expect(machine.mounts).toBeUndefined();
  });

  it('should take the largest existing machine of the default group, else shared-cpu-2x', () => {
    const small = { cpu_kind: 'shared', cpus: 1, memory_mb: 256 };
    const large = { cpu_kind: 'shared', cpus: 1, memory_mb: 1024 };
    const config = configOf(RELEASE);
    expect(buildReleaseMachineConfig(config, { existingGuests: [small, large] }).guest).toEqual(
      large,
    );
    expect(buildReleaseMachineConfig(config).guest).toEqual({
      cpu_kind: 'shared',
      cpus: 2,
      memory_mb: 512,
    });
  });

  it('should refuse to build a release machine without a release command', () => {
    expect(thrown(() => buildReleaseMachineConfig(configOf(WEB))).message).toBe(
      'fly.toml: no release_command to run',
    );
  });
});

describe('buildConsoleMachineConfig', () => {
  it('should sleep forever and carry the app env under the console group', () => {
    expect(buildConsoleMachineConfig(configOf(WEB))).toMatchObject({
      init: { exec: ['/bin/sleep', 'inf'] },
      env: { LOG_LEVEL: 'info', FLY_PROCESS_GROUP: 'fly_app_console' },
      restart: { policy: 'no' },
      auto_destroy: true,
    });
  });
});

describe('buildTestMachineConfig', () => {
  const tested: { config: FlyMachineConfig; privateIp: string } = {
    privateIp: 'fdaa:0:1::3',
    config: {
      image: 'registry.fly.io/web:deployment-1',
      env: { FROM_MACHINE: 'yes' },
      init: { entrypoint: ['/entry'] },
      stop_config: { signal: 'SIGUSR1' },
    },
  };

  it('should run next to the tested machine: its image, env, entrypoint and IP', () => {
    const config = configOf(WEB);
    const machine = buildTestMachineConfig(config, firstCheck(config), { tested });
    expect(machine).toMatchObject({
      image: 'registry.fly.io/web:deployment-1',
      init: {
        cmd: ['curl', '-f', 'http://[$FLY_TEST_MACHINE_IP]:8080/health'],
        entrypoint: ['/entry'],
      },
      env: {
        LOG_LEVEL: 'info',
        FROM_MACHINE: 'yes',
        FLY_TEST_COMMAND: '1',
        FLY_PROCESS_GROUP: 'fly_app_test_machine_command',
        FLY_TEST_MACHINE_IP: 'fdaa:0:1::3',
      },
    });
  });

  it('should inherit the app’s kill settings only when the check reuses the app image', () => {
    const config = configOf(WEB);
    const check = firstCheck(config);
    expect(buildTestMachineConfig(config, check, { tested }).stop_config).toEqual({
      signal: 'SIGTERM',
    });
    const ownImage = { ...check, image: 'curlimages/curl' };
    expect(buildTestMachineConfig(config, ownImage).stop_config).toEqual({});
    const ownKill = { ...ownImage, killSignal: 'SIGABRT', killTimeoutMs: 30_000 };
    expect(buildTestMachineConfig(config, ownKill).stop_config).toEqual({
      signal: 'SIGABRT',
      timeout: 30_000,
    });
  });

  it('should fail without a command, and without an image when no machine is tested', () => {
    const config = configOf(WEB);
    const check = firstCheck(config);
    expect(thrown(() => buildTestMachineConfig(config, { ...check, command: [] })).message).toBe(
      'http_service.machine_checks.0: missing command for test machine',
    );
    expect(thrown(() => buildTestMachineConfig(config, check)).message).toBe(
      'http_service.machine_checks.0: missing image for test machine',
    );
  });
});
