import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import type { BackingServiceSpec, StartedBackingService } from './container-runtime.js';

/**
 * testcontainers reads these itself. The reaper image cannot be pulled offline (flysim removes
 * its containers by label instead), and published ports are reached on loopback.
 */
function configureTestcontainers(): void {
  process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
  process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';
}

/** Starts Postgres or Redis on the run's network and waits until it accepts connections. */
export async function startBackingContainer(
  spec: BackingServiceSpec,
): Promise<StartedBackingService> {
  configureTestcontainers();
  if (spec.kind === 'postgres') return startPostgres(spec);

  const redis = await new RedisContainer(spec.image)
    .withNetworkMode(spec.network.name)
    .withNetworkAliases(...spec.network.aliases)
    .withLabels({ ...spec.labels })
    .start();
  return { containerId: redis.getId(), internalPort: 6379 };
}

async function startPostgres(spec: BackingServiceSpec): Promise<StartedBackingService> {
  const credentials = spec.credentials ?? {
    user: 'postgres',
    password: 'postgres',
    database: 'postgres',
  };
  const postgres = await new PostgreSqlContainer(spec.image)
    .withUsername(credentials.user)
    .withPassword(credentials.password)
    .withDatabase(credentials.database)
    .withNetworkMode(spec.network.name)
    .withNetworkAliases(...spec.network.aliases)
    .withLabels({ ...spec.labels })
    .start();
  return { containerId: postgres.getId(), internalPort: 5432 };
}
