// Frozen: mission templates (versioned rows), recurring work definitions, and their runs (one per due time).
import type { Kysely } from 'kysely';

export const name = '0002_templates_recurring';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every save inserts a new version row; old versions stay readable. deleted_at marks a soft delete.
  await db.schema
    .createTable('mission_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('brief', 'text')
    .addColumn('deliverables', 'text', (c) => c.notNull())
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('mission_templates_name_version').unique().on('mission_templates').columns(['name', 'version']).execute();

  // A definition creates a task (kind 'task') or a whole mission from a template (kind 'mission') per due time.
  await db.schema
    .createTable('recurring_definitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('assigned_to', 'text')
    .addColumn('assigned_to_instance', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('required_evidence', 'text', (c) => c.notNull())
    .addColumn('template_name', 'text')
    .addColumn('template_version', 'integer')
    .addColumn('pilot', 'text')
    .addColumn('agents', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('brief', 'text')
    .addColumn('cron_expression', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('overlap', 'text', (c) => c.notNull())
    .addColumn('paused', 'integer', (c) => c.notNull())
    .addColumn('next_run_at', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  // The scheduler's scan: live definitions whose next run has come.
  await db.schema.createIndex('recurring_definitions_due').on('recurring_definitions').columns(['paused', 'next_run_at']).execute();
  await db.schema.createIndex('recurring_definitions_project').on('recurring_definitions').columns(['project', 'id']).execute();

  // Exactly once: the primary key (recurring_id, due_at) admits one run per due time however many schedulers
  // race for it. The run row is inserted in the same transaction that creates the instance.
  await db.schema
    .createTable('recurring_runs')
    .addColumn('recurring_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('mission_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('recurring_runs_pk', ['recurring_id', 'due_at'])
    .execute();
}
