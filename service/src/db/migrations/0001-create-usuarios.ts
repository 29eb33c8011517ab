import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usuarios')
    .addColumn('id', 'serial', (column) => column.primaryKey())
    .addColumn('email', 'varchar(255)', (column) => column.notNull().unique())
    .addColumn('nombre', 'varchar(200)', (column) => column.notNull())
    .addColumn('rol', 'varchar(50)', (column) => column.notNull().defaultTo('operador'))
    .addColumn('activo', 'boolean', (column) => column.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usuarios').execute();
}
