import { HttpError } from '../errors.js';
import type { TareaCache } from './cache.js';
import type { TareaRepository } from './repository.js';
import type { NewTarea, Tarea, TareaChanges, TareaEvent, TareaListQuery } from './tarea.js';

export interface TareaService {
  list(query: TareaListQuery): Promise<Tarea[]>;
  get(id: number): Promise<Tarea>;
  create(tarea: NewTarea): Promise<Tarea>;
  update(id: number, changes: TareaChanges): Promise<Tarea>;
  remove(id: number): Promise<Tarea>;
}

export interface TareaServiceParts {
  readonly repository: TareaRepository;
  readonly cache: TareaCache;
  /** Called after every committed write, with the cache already invalidated. */
  readonly publish: (event: TareaEvent) => void;
}

export function createTareaService({
  repository,
  cache,
  publish,
}: TareaServiceParts): TareaService {
  return {
    list: (query) => cache.list(query, () => repository.list(query)),

    get: async (id) => found(id, await cache.tarea(id, () => repository.find(id))),

    create: async (input) => {
      const tarea = await repository.insert(input);
      await cache.invalidate();

      publish({ type: 'tarea.created', tarea });
      return tarea;
    },

    update: async (id, changes) => {
      const tarea = found(id, await repository.update(id, changes));
      await cache.invalidate(id);

      publish({ type: 'tarea.updated', tarea });
      return tarea;
    },

    remove: async (id) => {
      const tarea = found(id, await repository.remove(id));
      await cache.invalidate(id);

      publish({ type: 'tarea.deleted', tarea });
      return tarea;
    },
  };
}

function found(id: number, tarea: Tarea | undefined): Tarea {
  if (tarea === undefined) throw new HttpError(404, `tarea ${id} not found`);
  return tarea;
}
