import type { Migration } from 'kysely';
import * as createUsuarios from './0001-create-usuarios.js';
import * as createEfectivos from './0002-create-efectivos.js';
import * as createTareas from './0003-create-tareas.js';

/**
 * Listed here rather than found by a folder scan, so the compiled `dist/` runs without the
 * TypeScript sources. Names sort in the order they must run; never rename an applied one.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-create-usuarios': createUsuarios,
  '0002-create-efectivos': createEfectivos,
  '0003-create-tareas': createTareas,
});
