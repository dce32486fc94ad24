// Frozen: saved mission templates belong to one project. Rows saved before this migration, when templates were
// global, move into the project named "default"; versions become unique per (project, name, version).
import type { Kysely } from 'kysely';

export const name = '0005_template_projects';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('mission_templates')
    .addColumn('project', 'text', (c) => c.notNull().defaultTo('default'))
    .execute();
  await db.schema.dropIndex('mission_templates_name_version').execute();
  await db.schema.createIndex('mission_templates_project_name_version').unique().on('mission_templates').columns(['project', 'name', 'version']).execute();
}
