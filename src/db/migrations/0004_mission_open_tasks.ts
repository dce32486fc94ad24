// Frozen: an index for "does this mission still have an open task?", asked each time one of its tasks closes.
import type { Kysely } from 'kysely';

export const name = '0004_mission_open_tasks';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('tasks_mission_status').on('tasks').columns(['mission_id', 'status']).execute();
}
