// Frozen: the first schema. Never edit a released migration; add the next one.
import { type Kysely, sql } from 'kysely';

export const name = '0001_init';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('projects')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('repo_path', 'text')
    .addColumn('repo_url', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('missions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('brief', 'text')
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('pilot', 'text', (c) => c.notNull())
    .addColumn('agents', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer')
    .addColumn('progress_note', 'text')
    .addColumn('template_name', 'text')
    .addColumn('template_version', 'integer')
    .addColumn('deliverables', 'text', (c) => c.notNull())
    .addColumn('start_date', 'text')
    .addColumn('target_date', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('cancelled_by', 'text')
    .addColumn('cancel_reason', 'text')
    .addColumn('next_task_seq', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('missions_project_status').on('missions').columns(['project', 'status', 'id']).execute();
  await db.schema.createIndex('missions_status').on('missions').columns(['status', 'id']).execute();
  await db.schema.createIndex('missions_pilot').on('missions').columns(['pilot', 'status']).execute();
  await db.schema.createIndex('missions_updated').on('missions').columns(['updated_at']).execute();

  await db.schema
    .createTable('mission_members')
    .addColumn('mission_id', 'text', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mission_members_pk', ['mission_id', 'agent'])
    .execute();
  await db.schema.createIndex('mission_members_agent').on('mission_members').columns(['agent', 'mission_id']).execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mission_id', 'text')
    .addColumn('seq', 'integer')
    .addColumn('key', 'text')
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('assigned_to', 'text')
    .addColumn('assigned_to_instance', 'text')
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('urgency', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('required_evidence', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text')
    .addColumn('estimated_minutes', 'integer')
    .addColumn('lease_ms', 'integer')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('completion_note', 'text')
    .addColumn('allow_no_evidence', 'text')
    .addColumn('blocked_reason', 'text')
    .addColumn('blocked_on_task_id', 'text')
    .addColumn('blocked_cause', 'text')
    .addColumn('blocked_by', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('last_holder', 'text')
    .addColumn('claimed_by_instance', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('cancel_reason', 'text')
    .addColumn('failure_note', 'text')
    .addColumn('reopen_reason', 'text')
    .execute();
  await db.schema.createIndex('tasks_mission_seq').unique().on('tasks').columns(['mission_id', 'seq']).execute();
  // The ready queue: todo tasks, most urgent first, then oldest.
  await db.schema.createIndex('tasks_queue').on('tasks').columns(['status', 'urgency', 'id']).execute();
  await db.schema.createIndex('tasks_assignee').on('tasks').columns(['assigned_to', 'status', 'urgency', 'id']).execute();
  await db.schema.createIndex('tasks_claimed').on('tasks').columns(['claimed_by', 'status']).execute();
  await db.schema.createIndex('tasks_leases').on('tasks').columns(['status', 'lease_expires_at']).execute();
  await db.schema.createIndex('tasks_project').on('tasks').columns(['project', 'status', 'id']).execute();
  await db.schema.createIndex('tasks_updated').on('tasks').columns(['updated_at']).execute();

  await db.schema
    .createTable('task_deps')
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('depends_on_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_deps_pk', ['task_id', 'depends_on_id'])
    .execute();
  await db.schema.createIndex('task_deps_reverse').on('task_deps').columns(['depends_on_id', 'task_id']).execute();

  await db.schema
    .createTable('evidence')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('mission_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('deliverable', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('verification', 'text', (c) => c.notNull())
    .addColumn('verification_detail', 'text')
    .addColumn('checked_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('superseded_by', 'text')
    .execute();
  await db.schema.createIndex('evidence_task').on('evidence').columns(['task_id']).execute();
  await db.schema.createIndex('evidence_mission').on('evidence').columns(['mission_id']).execute();

  await db.schema
    .createTable('events')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('mission_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_mission').on('events').columns(['mission_id', 'seq']).execute();
  await db.schema.createIndex('events_task').on('events').columns(['task_id', 'seq']).execute();
  await db.schema.createIndex('events_project').on('events').columns(['project', 'seq']).execute();

  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();
  await sql`insert into counters (name, value) values ('event_seq', 0)`.execute(db);
}
