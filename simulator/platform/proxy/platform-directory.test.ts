import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../clock/virtual-clock.js';
import { EventLog } from '../../events/event-log.js';
import type { MachineConfig } from '../machine-config.js';
import {
  drainBeforeHalt,
  PlatformDirectory,
  type MachineView,
  type PlatformView,
} from './platform-directory.js';

interface FakeMachine extends MachineView {
  state: string;
  cordoned: boolean;
  port: number | undefined;
}

function fakePlatform() {
  const events = new EventLog({ clock: new VirtualClock() });
  const routable = new Set<string>();
  const machines: FakeMachine[] = [];
  const config: MachineConfig = {
    image: 'grupo-gad:local',
    services: [{ protocol: 'tcp', internalPort: 8080, ports: [{ port: 443 }] }],
    metadata: { releaseVersion: 3 },
  };
  const add = (id: string, app = 'grupo-gad'): FakeMachine => {
    const machine: FakeMachine = {
      ...{ id, app, state: 'started', cordoned: false, port: 32768 + machines.length, config },
      hostPort(containerPort) {
        return containerPort === 8080 ? this.port : undefined;
      },
    };
    machines.push(machine);
    return machine;
  };
  const platform: PlatformView = {
    region: 'mia',
    machines: (app) => machines.filter((machine) => machine.app === app),
    health: { isRoutable: (id) => routable.has(id) },
    events,
  };
  return { platform, events, routable, add };
}

const changed = (ref: string) =>
  ({
    type: 'check.status_changed',
    app: 'grupo-gad',
    machineId: ref,
    checkName: 'servicecheck-00-http-8080',
    checkKind: 'service',
    from: null,
    to: 'passing',
    output: '',
  }) as const;

describe('the platform directory', () => {
  it("should describe the app's machines that serve a port, with health, address and release", () => {
    const { platform, routable, add } = fakePlatform();
    add('aaaaaaaaaaaaaa');
    add('bbbbbbbbbbbbbb', 'other-app');
    routable.add('aaaaaaaaaaaaaa');
    const directory = new PlatformDirectory(platform, 'grupo-gad');

    expect(directory.upstreams(8080)).toEqual([
      {
        machineId: 'aaaaaaaaaaaaaa',
        region: 'mia',
        state: 'started',
        releaseVersion: 3,
        checksPassing: true,
        cordoned: false,
        address: '127.0.0.1:32768',
      },
    ]);
    expect(directory.upstreams(9999)).toEqual([]);
  });

  it('should see changes after a routing event, and tell listeners a microtask later', async () => {
    const { platform, events, routable, add } = fakePlatform();
    const machine = add('aaaaaaaaaaaaaa');
    const directory = new PlatformDirectory(platform, 'grupo-gad');
    let calls = 0;
    directory.subscribe(() => calls++);
    expect(directory.upstreams(8080)[0]?.checksPassing).toBe(false);

    routable.add(machine.id);
    events.append(changed(machine.id));
    events.append(changed(machine.id));
    expect(calls).toBe(0);
    await Promise.resolve();
    expect(calls).toBe(1);
    expect(directory.upstreams(8080)[0]?.checksPassing).toBe(true);

    machine.state = 'stopped';
    machine.port = undefined;
    events.append({
      type: 'machine.state_changed',
      app: 'grupo-gad',
      machineId: machine.id,
      from: 'started',
      to: 'stopped',
      reason: undefined,
    });
    expect(directory.upstreams(8080)[0]).toMatchObject({ state: 'stopped', address: undefined });
  });

  it("should follow the platform's cordon", async () => {
    const { platform, events, add } = fakePlatform();
    const machine = add('aaaaaaaaaaaaaa');
    const directory = new PlatformDirectory(platform, 'grupo-gad');
    expect(directory.upstreams(8080)[0]?.cordoned).toBe(false);

    machine.cordoned = true;
    events.append({ type: 'machine.cordoned', app: 'grupo-gad', machineId: machine.id });
    expect(directory.upstreams(8080)[0]?.cordoned).toBe(true);

    machine.cordoned = false;
    events.append({ type: 'machine.uncordoned', app: 'grupo-gad', machineId: machine.id });
    directory.cordon(machine.id);
    expect(directory.upstreams(8080)[0]?.cordoned).toBe(true);
    directory.uncordon(machine.id);
    expect(directory.upstreams(8080)[0]?.cordoned).toBe(false);
  });

  it("should drain the app's machines, and only those, before the platform halts them", async () => {
    const { add } = fakePlatform();
    const ours = add('aaaaaaaaaaaaaa');
    const theirs = add('bbbbbbbbbbbbbb', 'other-app');
    const hooks: ((machineId: string) => Promise<unknown>)[] = [];
    const drained: string[] = [];
    const remove = drainBeforeHalt(
      {
        machine: (id) => [ours, theirs].find((machine) => machine.id === id),
        addHaltHook: (hook) => {
          hooks.push(hook);
          return () => hooks.splice(hooks.indexOf(hook), 1);
        },
      },
      'grupo-gad',
      { drain: async (id) => void drained.push(id) },
    );

    for (const hook of hooks) await Promise.all([hook(ours.id), hook(theirs.id)]);
    expect(drained).toEqual([ours.id]);
    remove();
    expect(hooks).toHaveLength(0);
  });
});
