import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('efectivos')
    .addColumn('id', 'serial', (column) => column.primaryKey())
    .addColumn('nombre', 'varchar(200)', (column) => column.notNull())
    .addColumn('rango', 'varchar(100)')
    .addColumn('usuario_id', 'integer', (column) =>
      column.references('usuarios.id').onDelete('set null'),
    )
    .addColumn('disponible', 'boolean', (column) => column.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('efectivos').execute();
}
