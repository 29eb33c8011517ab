import { describe, expect, it } from 'vitest';
import type { AppConfig } from './app-config.js';
import { loadConfigText } from './load.js';

function configOf(toml: string): AppConfig {
  const report = loadConfigText(toml, 'fly.toml');
  if (report.config === undefined) throw new Error(JSON.stringify(report.problems));
  return report.config;
}

const group = (config: AppConfig, name: string) => {
  const found = config.processGroups.find((g) => g.name === name);
  if (found === undefined) throw new Error(`no group ${name}`);
  return found;
};

const warningsOf = (toml: string) =>
  loadConfigText(toml, 'fly.toml')
    .problems.filter((p) => p.severity === 'warning')
    .map((p) => p.message);

describe('machine sections in AppConfig', () => {
  it('should carry swap, console command and host dedication from the top level', () => {
    const config = configOf(
      'app = "a"\nswap_size_mb = 512\nconsole_command = "bin/rails console"\nhost_dedication_id = "h1"\n',
    );
    expect(config.swapSizeMb).toBe(512);
    expect(config.consoleCommandArgv).toEqual(['bin/rails', 'console']);
    expect(config.hostDedicationId).toBe('h1');
    expect(group(config, 'app').hostDedicationId).toBe('h1');
  });

  it('should give each group its first matching [[metrics]] and its own [[files]]', () => {
    const config = configOf(`app = "a"
[processes]
app = "run"
worker = "work"
[[metrics]]
port = 9091
processes = ["worker"]
[[metrics]]
port = 9092
processes = ["worker"]
[[files]]
guest_path = "/etc/app.conf"
raw_value = "x"
[[files]]
guest_path = "/etc/worker.conf"
secret_name = "WORKER_CONF"
processes = ["worker"]
`);
    expect(group(config, 'app').metrics).toBeUndefined();
    expect(group(config, 'worker').metrics).toEqual({ port: 9091, path: undefined, https: false });
    expect(group(config, 'app').files.map((f) => f.guestPath)).toEqual(['/etc/app.conf']);
    expect(group(config, 'worker').files.map((f) => f.secretName)).toEqual(['WORKER_CONF']);
  });

  it('should list machine checks with where they came from', () => {
    const config = configOf(`app = "a"
[[machine_checks]]
command = ["true"]
kill_timeout = "3s"
[http_service]
internal_port = 8080
[[http_service.machine_checks]]
command = ["curl", "http://[$FLY_TEST_MACHINE_IP]:8080"]
image = "curlimages/curl"
`);
    expect(config.machineChecks).toEqual([
      expect.objectContaining({ origin: 'machine_checks.0', killTimeoutMs: 3000 }),
    ]);
    expect(group(config, 'app').services[0]?.machineChecks[0]).toMatchObject({
      origin: 'http_service.machine_checks.0',
      image: 'curlimages/curl',
    });
  });

  it('should read machine_config as inline JSON or as a file path', () => {
    const inline = configOf(
      `app = "a"\n[experimental]\nmachine_config = '{"schedule": "daily"}'\n`,
    );
    expect(inline.machineConfig).toEqual({ kind: 'inline', json: { schedule: 'daily' } });
    const file = configOf('app = "a"\nmachine_config = "machine.json"\n');
    expect(file.machineConfig).toEqual({ kind: 'file', path: 'machine.json' });
  });

  it('should say which values are defaults rather than the file’s', () => {
    const config = configOf(`app = "a"
kill_signal = "SIGTERM"
[[restart]]
policy = "always"
[[services]]
internal_port = 8080
protocol = "tcp"
[services.concurrency]
hard_limit = 50
[[services.ports]]
port = 80
[[services.http_checks]]
path = "/health"
`);
    const service = group(config, 'app').services[0];
    expect(config.defaulted).toEqual(['killTimeoutMs']);
    expect(group(config, 'app').restart.defaulted).toEqual(['maxRetries']);
    expect(service?.concurrency.defaulted).toEqual(['type', 'softLimit']);
    expect(service?.checks[0]?.defaulted).toEqual([
      'intervalMs',
      'timeoutMs',
      'gracePeriodMs',
      'method',
      'protocol',
    ]);
  });

  it('should stay frozen', () => {
    const config = configOf(
      'app = "a"\n[[statics]]\nguest_path = "/app/public"\nurl_prefix = "/"\n',
    );
    expect(Object.isFrozen(config.statics[0])).toBe(true);
  });
});

describe('machine section warnings (flyctl fails on these only at deploy)', () => {
  it('should warn about a machine check without a command', () => {
    expect(
      warningsOf(
        'app = "a"\n[http_service]\ninternal_port = 8080\n[[http_service.machine_checks]]\nimage = "x"\n',
      ),
    ).toContain('missing command for test machine');
  });

  it('should warn about machine_config that is not JSON', () => {
    const warnings = warningsOf(`app = "a"\nmachine_config = '{"dns": '\n`);
    expect(warnings.some((w) => w.startsWith('machine_config is not valid JSON'))).toBe(true);
  });
});
