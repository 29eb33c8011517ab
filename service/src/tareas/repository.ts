import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, TareaTable } from '../db/schema.js';
import { errorCode, HttpError } from '../errors.js';
import type { NewTarea, Tarea, TareaChanges, TareaListQuery } from './tarea.js';

export interface TareaRepository {
  list(query: TareaListQuery): Promise<Tarea[]>;
  find(id: number): Promise<Tarea | undefined>;
  insert(tarea: NewTarea): Promise<Tarea>;
  /** `undefined` when no tarea has that id. */
  update(id: number, changes: TareaChanges): Promise<Tarea | undefined>;
  /** The deleted tarea, or `undefined` when no tarea has that id. */
  remove(id: number): Promise<Tarea | undefined>;
}

/** Constraint names from migration 0003, and the input field each one guards. */
const FOREIGN_KEY_FIELDS: Readonly<Record<string, 'efectivo_id' | 'creado_por_id'>> = {
  tareas_efectivo_id_fk: 'efectivo_id',
  tareas_creado_por_id_fk: 'creado_por_id',
};
const FOREIGN_KEY_VIOLATION = '23503';

export function createTareaRepository(db: Kysely<Database>): TareaRepository {
  return {
    list: async (query) => {
      let select = db.selectFrom('tareas').selectAll().orderBy('id').limit(query.limit);
      if (query.estado !== undefined) select = select.where('estado', '=', query.estado);

      const rows = await select.offset(query.offset).execute();
      return rows.map(toTarea);
    },

    find: async (id) => {
      const row = await db.selectFrom('tareas').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toTarea(row);
    },

    insert: async (tarea) => {
      const row = await withReferenceCheck(tarea, () =>
        db.insertInto('tareas').values(tarea).returningAll().executeTakeFirstOrThrow(),
      );
      return toTarea(row);
    },

    update: async (id, changes) => {
      const row = await withReferenceCheck(changes, () =>
        db
          .updateTable('tareas')
          .set({ ...changes, updated_at: sql<Date>`now()` })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst(),
      );
      return row && toTarea(row);
    },

    remove: async (id) => {
      const row = await db
        .deleteFrom('tareas')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toTarea(row);
    },
  };
}

export function toTarea(row: Selectable<TareaTable>): Tarea {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Turns a dangling efectivo or usuario reference into a 400 that names the field. */
async function withReferenceCheck<T>(changes: TareaChanges, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const field = foreignKeyField(error);
    if (field === undefined) throw error;

    throw new HttpError(400, `${field} ${changes[field]} does not exist`);
  }
}

function foreignKeyField(error: unknown): 'efectivo_id' | 'creado_por_id' | undefined {
  if (errorCode(error) !== FOREIGN_KEY_VIOLATION) return undefined;
  if (typeof error !== 'object' || error === null || !('constraint' in error)) return undefined;

  return typeof error.constraint === 'string' ? FOREIGN_KEY_FIELDS[error.constraint] : undefined;
}
