import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tareas')
    .addColumn('id', 'serial', (column) => column.primaryKey())
    .addColumn('titulo', 'varchar(200)', (column) => column.notNull())
    .addColumn('descripcion', 'text')
    .addColumn('estado', 'varchar(20)', (column) => column.notNull().defaultTo('pendiente'))
    .addColumn('prioridad', 'varchar(10)', (column) => column.notNull().defaultTo('media'))
    .addColumn('efectivo_id', 'integer')
    .addColumn('creado_por_id', 'integer')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    // Named, so the API can say which reference was wrong (see tareas/repository.ts).
    .addForeignKeyConstraint('tareas_efectivo_id_fk', ['efectivo_id'], 'efectivos', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .addForeignKeyConstraint(
      'tareas_creado_por_id_fk',
      ['creado_por_id'],
      'usuarios',
      ['id'],
      (fk) => fk.onDelete('set null'),
    )
    .addCheckConstraint(
      'tareas_estado_check',
      sql`estado in ('pendiente', 'en_progreso', 'completada', 'cancelada')`,
    )
    .addCheckConstraint('tareas_prioridad_check', sql`prioridad in ('baja', 'media', 'alta')`)
    .execute();

  await db.schema.createIndex('tareas_estado_idx').on('tareas').column('estado').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tareas').execute();
}
