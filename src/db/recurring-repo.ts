// Recurring work persistence: definitions, the scheduler's due scan, and run rows (one per due time).
import type { Updateable } from 'kysely';
import type { MissionStatus, TaskStatus } from '../core/enums.js';
import type { Database, Db } from './database.js';
import type { RecurringDefinitionsTable, RecurringRunsTable } from './schema.js';

export async function insertDefinition(tx: Db, row: RecurringDefinitionsTable): Promise<void> {
  await tx.insertInto('recurring_definitions').values(row).execute();
}

export async function getDefinitionRow(db: Db, id: string): Promise<RecurringDefinitionsTable | undefined> {
  return db.selectFrom('recurring_definitions').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Reads and, on PostgreSQL, row-locks a definition. A scheduler that waited on the lock reads the row as the
 * winner committed it (READ COMMITTED re-reads a locked row), so it sees the advanced next_run_at and stands down.
 */
export async function lockDefinitionRow(database: Database, tx: Db, id: string): Promise<RecurringDefinitionsTable | undefined> {
  return database.forUpdate(tx.selectFrom('recurring_definitions').selectAll().where('id', '=', id)).executeTakeFirst();
}

export async function updateDefinitionRow(tx: Db, id: string, patch: Updateable<RecurringDefinitionsTable>): Promise<void> {
  await tx.updateTable('recurring_definitions').set(patch).where('id', '=', id).execute();
}

export interface DefinitionFilter {
  project?: string;
  projects?: readonly string[];
  assignedTo?: string;
  paused?: boolean;
}

/** Live definitions by id (creation order), keyset-paged; fetches limit + 1 to tell whether more exist. */
export async function listDefinitionRows(db: Db, filter: DefinitionFilter, limit: number, afterId: string | null): Promise<RecurringDefinitionsTable[]> {
  let q = db.selectFrom('recurring_definitions').selectAll().where('deleted_at', 'is', null);
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.projects !== undefined) q = q.where('project', 'in', filter.projects as string[]);
  if (filter.assignedTo !== undefined)
    q = q.where((eb) => eb.or([eb('assigned_to', '=', filter.assignedTo as string), eb('pilot', '=', filter.assignedTo as string)]));
  if (filter.paused !== undefined) q = q.where('paused', '=', filter.paused ? 1 : 0);
  if (afterId) q = q.where('id', '>', afterId);
  return q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}

/** Ids of live, unpaused definitions whose next run is at or before `nowIso`, most overdue first. */
export async function dueDefinitionIds(db: Db, nowIso: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('recurring_definitions')
    .select('id')
    .where('paused', '=', 0)
    .where('next_run_at', 'is not', null)
    .where('next_run_at', '<=', nowIso)
    .where('deleted_at', 'is', null)
    .orderBy('next_run_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Claims a due time for this transaction: inserts the run row, or returns false when the row already exists.
 * ON CONFLICT DO NOTHING rather than catching the violation, because on PostgreSQL a failed statement aborts
 * the transaction; a concurrent inserter of the same key waits for the first to commit and then inserts nothing.
 */
export async function claimRun(tx: Db, row: RecurringRunsTable): Promise<boolean> {
  const inserted = await tx
    .insertInto('recurring_runs')
    .values(row)
    .onConflict((oc) => oc.columns(['recurring_id', 'due_at']).doNothing())
    .returning('recurring_id')
    .execute();
  return inserted.length === 1;
}

export async function updateRun(tx: Db, recurringId: string, dueAt: string, patch: Updateable<RecurringRunsTable>): Promise<void> {
  await tx.updateTable('recurring_runs').set(patch).where('recurring_id', '=', recurringId).where('due_at', '=', dueAt).execute();
}

/** The latest run before `beforeDueAt` that created an instance: the "previous instance" of the overlap rule. */
export async function lastCreatedRun(db: Db, recurringId: string, beforeDueAt: string): Promise<RecurringRunsTable | undefined> {
  return db
    .selectFrom('recurring_runs')
    .selectAll()
    .where('recurring_id', '=', recurringId)
    .where('outcome', '=', 'created')
    .where('due_at', '<', beforeDueAt)
    .orderBy('due_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function recentRuns(db: Db, recurringId: string, limit: number): Promise<RecurringRunsTable[]> {
  return db.selectFrom('recurring_runs').selectAll().where('recurring_id', '=', recurringId).orderBy('due_at', 'desc').limit(limit).execute();
}

export type InstanceStatus = { mission: MissionStatus; task?: undefined } | { task: TaskStatus; mission?: undefined };

/** Status of a run's instance (task or mission), or null when it no longer exists. */
export async function instanceStatus(db: Db, run: Pick<RecurringRunsTable, 'task_id' | 'mission_id'>): Promise<InstanceStatus | null> {
  if (run.mission_id) {
    const row = await db.selectFrom('missions').select('status').where('id', '=', run.mission_id).executeTakeFirst();
    return row ? { mission: row.status } : null;
  }
  if (run.task_id) {
    const row = await db.selectFrom('tasks').select('status').where('id', '=', run.task_id).executeTakeFirst();
    return row ? { task: row.status } : null;
  }
  return null;
}
