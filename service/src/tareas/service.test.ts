import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { createDisabledCache, type TareaCache } from './cache.js';
import type { TareaRepository } from './repository.js';
import { createTareaService } from './service.js';
import type { Tarea, TareaEvent } from './tarea.js';

function tarea(id: number, titulo = `tarea ${id}`): Tarea {
  return {
    id,
    titulo,
    descripcion: null,
    estado: 'pendiente',
    prioridad: 'media',
    efectivo_id: null,
    creado_por_id: null,
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
  };
}

/** An in-memory repository: enough to check what the service does around it. */
function memoryRepository(): TareaRepository {
  const rows = new Map<number, Tarea>();
  let nextId = 1;

  return {
    list: async () => [...rows.values()],
    find: async (id) => rows.get(id),
    insert: async (input) => {
      const created = { ...tarea(nextId++), ...input };
      rows.set(created.id, created);
      return created;
    },
    update: async (id, changes) => {
      const current = rows.get(id);
      if (current === undefined) return undefined;
      rows.set(id, { ...current, ...changes });
      return rows.get(id);
    },
    remove: async (id) => {
      const current = rows.get(id);
      rows.delete(id);
      return current;
    },
  };
}

function recordingCache(): TareaCache & { invalidated: (number | undefined)[] } {
  const invalidated: (number | undefined)[] = [];
  return {
    ...createDisabledCache(),
    invalidated,
    invalidate: async (id) => {
      invalidated.push(id);
    },
  };
}

function setUp() {
  const events: TareaEvent[] = [];
  const cache = recordingCache();
  const service = createTareaService({
    repository: memoryRepository(),
    cache,
    publish: (event) => events.push(event),
  });
  return { service, cache, events };
}

describe('createTareaService', () => {
  it('should invalidate the lists and broadcast after a create', async () => {
    const { service, cache, events } = setUp();

    const created = await service.create({ titulo: 'Nueva' });

    expect(cache.invalidated).toEqual([undefined]);
    expect(events).toEqual([{ type: 'tarea.created', tarea: created }]);
  });

  it('should invalidate the item and broadcast after an update and a delete', async () => {
    const { service, cache, events } = setUp();
    const created = await service.create({ titulo: 'Nueva' });

    const updated = await service.update(created.id, { estado: 'completada' });
    await service.remove(created.id);

    expect(cache.invalidated).toEqual([undefined, created.id, created.id]);
    expect(events.map((event) => event.type)).toEqual([
      'tarea.created',
      'tarea.updated',
      'tarea.deleted',
    ]);
    expect(events[1]?.tarea).toEqual(updated);
    expect(events[2]?.tarea).toEqual(updated);
  });

  it('should answer 404 and broadcast nothing when the tarea does not exist', async () => {
    const { service, events } = setUp();

    for (const attempt of [
      () => service.get(7),
      () => service.update(7, { titulo: 'x' }),
      () => service.remove(7),
    ]) {
      await expect(attempt()).rejects.toEqual(new HttpError(404, 'tarea 7 not found'));
    }
    expect(events).toEqual([]);
  });

  it('should read through the cache', async () => {
    const cached = tarea(3, 'from the cache');
    const service = createTareaService({
      repository: memoryRepository(),
      cache: { ...createDisabledCache(), tarea: async () => cached },
      publish: () => undefined,
    });

    expect(await service.get(3)).toBe(cached);
  });
});
