import type { ColumnType, Generated } from 'kysely';

export const ESTADOS_TAREA = ['pendiente', 'en_progreso', 'completada', 'cancelada'] as const;
export type EstadoTarea = (typeof ESTADOS_TAREA)[number];

export const PRIORIDADES_TAREA = ['baja', 'media', 'alta'] as const;
export type PrioridadTarea = (typeof PRIORIDADES_TAREA)[number];

type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date>;

export interface UsuarioTable {
  id: Generated<number>;
  email: string;
  nombre: string;
  rol: Generated<string>;
  activo: Generated<boolean>;
  created_at: CreatedAt;
}

export interface EfectivoTable {
  id: Generated<number>;
  nombre: string;
  rango: string | null;
  usuario_id: number | null;
  disponible: Generated<boolean>;
  created_at: CreatedAt;
}

export interface TareaTable {
  id: Generated<number>;
  titulo: string;
  descripcion: string | null;
  estado: ColumnType<EstadoTarea, EstadoTarea | undefined, EstadoTarea>;
  prioridad: ColumnType<PrioridadTarea, PrioridadTarea | undefined, PrioridadTarea>;
  efectivo_id: number | null;
  creado_por_id: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface Database {
  usuarios: UsuarioTable;
  efectivos: EfectivoTable;
  tareas: TareaTable;
}
