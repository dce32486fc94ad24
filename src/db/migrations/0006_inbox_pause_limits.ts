// Frozen: every agent's inbox (messages written in the same transaction as the change that causes them), paused
// tasks, a project's limit on tasks in progress per agent instance, and an index for "who waits on this task?".
import { type Kysely, sql } from 'kysely';

export const name = '0006_inbox_pause_limits';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // The sequence number of the event that caused the message: messages of one agent are ordered by it.
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('mission_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .execute();
  await db.schema.createIndex('messages_agent_seq').on('messages').columns(['agent', 'seq', 'id']).execute();
  await db.schema.createIndex('messages_unread').on('messages').columns(['agent', 'seq', 'id']).where(sql.ref('read_at'), 'is', null).execute();

  await db.schema.alterTable('tasks').addColumn('paused_at', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('paused_reason', 'text').execute();
  await db.schema.createIndex('tasks_blocked_on').on('tasks').columns(['blocked_on_task_id']).where(sql.ref('blocked_on_task_id'), 'is not', null).execute();

  // null: the default limit (1 task in progress per agent instance); 0: no limit; N: at most N.
  await db.schema.alterTable('projects').addColumn('max_in_progress', 'integer').execute();
}
