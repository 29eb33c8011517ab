import type { EstadoTarea, PrioridadTarea } from '../db/schema.js';

/** A tarea as the API sends it, the cache stores it and WebSocket clients receive it. */
export interface Tarea {
  readonly id: number;
  readonly titulo: string;
  readonly descripcion: string | null;
  readonly estado: EstadoTarea;
  readonly prioridad: PrioridadTarea;
  readonly efectivo_id: number | null;
  readonly creado_por_id: number | null;
  /** ISO 8601. */
  readonly created_at: string;
  /** ISO 8601. */
  readonly updated_at: string;
}

export interface TareaChanges {
  readonly titulo?: string;
  readonly descripcion?: string | null;
  readonly estado?: EstadoTarea;
  readonly prioridad?: PrioridadTarea;
  readonly efectivo_id?: number | null;
  readonly creado_por_id?: number | null;
}

export interface NewTarea extends TareaChanges {
  readonly titulo: string;
}

export interface TareaListQuery {
  readonly estado: EstadoTarea | undefined;
  readonly limit: number;
  readonly offset: number;
}

export type TareaEventType = 'tarea.created' | 'tarea.updated' | 'tarea.deleted';

/** What every write broadcasts to `/ws/connect`; for a delete, the tarea as it was. */
export interface TareaEvent {
  readonly type: TareaEventType;
  readonly tarea: Tarea;
}
