/** What the platform knows about a machine when it builds its environment (§5.3). */
export interface MachineEnvFacts {
  readonly app: string;
  readonly machineId: string;
  readonly region: string;
  readonly primaryRegion: string | undefined;
  readonly imageRef: string;
  readonly version: string;
  readonly processGroup: string | undefined;
  readonly memoryMb: number;
  readonly privateIp: string;
}

export interface MachineEnvSources {
  /** The config's env (`[env]` plus what flyctl adds). */
  readonly configEnv: Readonly<Record<string, string>>;
  /** The app's secrets: they beat `[env]`. */
  readonly secrets: Readonly<Record<string, string>>;
}

/** The FLY_* variables the platform sets in every app machine. */
export function flyEnvironment(facts: MachineEnvFacts): Record<string, string> {
  return {
    FLY_APP_NAME: facts.app,
    FLY_MACHINE_ID: facts.machineId,
    FLY_ALLOC_ID: facts.machineId,
    FLY_REGION: facts.region,
    FLY_PUBLIC_IP: '::1',
    FLY_PRIVATE_IP: facts.privateIp,
    FLY_IMAGE_REF: facts.imageRef,
    FLY_MACHINE_VERSION: facts.version,
    FLY_VM_MEMORY_MB: String(facts.memoryMb),
    ...(facts.processGroup === undefined ? {} : { FLY_PROCESS_GROUP: facts.processGroup }),
    ...(facts.primaryRegion === undefined ? {} : { PRIMARY_REGION: facts.primaryRegion }),
  };
}

/**
 * The machine's environment: config env, then secrets (a secret beats `[env]`), then the
 * platform's FLY_* variables, which nothing may override (a machine must not lie about its id).
 */
export function buildMachineEnv(
  facts: MachineEnvFacts,
  sources: MachineEnvSources,
): Record<string, string> {
  return { ...sources.configEnv, ...sources.secrets, ...flyEnvironment(facts) };
}

/** Names from the config env or secrets that the platform's FLY_* variables replace. */
export function shadowedByPlatform(facts: MachineEnvFacts, sources: MachineEnvSources): string[] {
  const platform = flyEnvironment(facts);
  const names = [...Object.keys(sources.configEnv), ...Object.keys(sources.secrets)];
  return [...new Set(names.filter((name) => name in platform))];
}
