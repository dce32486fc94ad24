// Every agent's inbox: messages written in the transaction of the change that caused them, read oldest first and
// acknowledged by the agent. Unread ones are what `messages_unread` (a partial index on read_at is null) covers.

import { scopeList } from './board-repo.js';
import type { Db } from './database.js';
import type { MessagesTable } from './schema.js';
import { chunks } from './tasks-repo.js';

/** Inserts a transaction's messages (at most a few per change; chunked so a bulk change stays under parameter limits). */
export async function insertMessages(tx: Db, rows: readonly MessagesTable[]): Promise<void> {
  for (const part of chunks(rows, 500)) await tx.insertInto('messages').values(part).execute();
}

export interface InboxScope {
  agent: string;
  /** A token's projects: messages of other projects are not the caller's to read. */
  projects?: readonly string[];
}

/** Unread messages after `(seq, id)`, oldest first; one more than `limit`, so the caller knows whether more follow. */
export async function unreadMessages(db: Db, scope: InboxScope, after: { seq: number; id: string } | null, limit: number): Promise<MessagesTable[]> {
  let q = db.selectFrom('messages').selectAll().where('agent', '=', scope.agent).where('read_at', 'is', null);
  if (scope.projects !== undefined) q = q.where('project', 'in', scopeList(scope.projects));
  if (after) q = q.where((eb) => eb.or([eb('seq', '>', after.seq), eb.and([eb('seq', '=', after.seq), eb('id', '>', after.id)])]));
  return q
    .orderBy('seq')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}

/** The newest messages, read or not, newest first (my_work's "what changed for you" and `sortie inbox --all`). */
export async function recentMessages(db: Db, scope: InboxScope, limit: number, unreadOnly: boolean): Promise<MessagesTable[]> {
  let q = db.selectFrom('messages').selectAll().where('agent', '=', scope.agent);
  if (unreadOnly) q = q.where('read_at', 'is', null);
  if (scope.projects !== undefined) q = q.where('project', 'in', scopeList(scope.projects));
  return q.orderBy('seq', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * How many unread messages each of these agents has, or with `null` every agent that has some (agents with none
 * are absent); within a token's projects and, when given, one project (the agents page's filter).
 */
export async function unreadCounts(db: Db, agents: readonly string[] | null, projects?: readonly string[], project?: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const part of agents === null ? [null] : chunks(agents, 500)) {
    if (part?.length === 0) continue;
    let q = db
      .selectFrom('messages')
      .select(['agent', (eb) => eb.fn.countAll<number>().as('n')])
      .where('read_at', 'is', null);
    if (part) q = q.where('agent', 'in', part);
    if (projects !== undefined) q = q.where('project', 'in', scopeList(projects));
    if (project !== undefined) q = q.where('project', '=', project);
    for (const r of await q.groupBy('agent').execute()) counts.set(r.agent, Number(r.n));
  }
  return counts;
}

/** What messages are about, by name: the keys of their tasks and the names of their missions (a person's inbox). */
export async function messageSubjects(
  db: Db,
  rows: readonly Pick<MessagesTable, 'task_id' | 'mission_id'>[],
): Promise<{ taskKeys: Map<string, string | null>; missionNames: Map<string, string> }> {
  const taskIds = [...new Set(rows.flatMap((r) => (r.task_id ? [r.task_id] : [])))];
  const missionIds = [...new Set(rows.flatMap((r) => (r.mission_id ? [r.mission_id] : [])))];
  const [tasks, missions] = await Promise.all([
    taskIds.length ? db.selectFrom('tasks').select(['id', 'key']).where('id', 'in', taskIds).execute() : [],
    missionIds.length ? db.selectFrom('missions').select(['id', 'name']).where('id', 'in', missionIds).execute() : [],
  ]);
  return { taskKeys: new Map(tasks.map((t) => [t.id, t.key])), missionNames: new Map(missions.map((m) => [m.id, m.name])) };
}

/**
 * Marks the agent's unread messages read: those with the given ids, and/or every one up to sequence number
 * `upToSeq`. Returns how many changed. Ids of other agents' messages (or already read ones) change nothing.
 */
export async function markRead(tx: Db, scope: InboxScope, ack: { ids?: readonly string[]; upToSeq?: number }, nowIso: string): Promise<number> {
  let changed = 0;
  const base = () => {
    let q = tx.updateTable('messages').set({ read_at: nowIso }).where('agent', '=', scope.agent).where('read_at', 'is', null);
    if (scope.projects !== undefined) q = q.where('project', 'in', scopeList(scope.projects));
    return q;
  };
  if (ack.upToSeq !== undefined) changed += Number((await base().where('seq', '<=', ack.upToSeq).executeTakeFirst()).numUpdatedRows);
  for (const part of chunks(ack.ids ?? [], 500)) {
    if (part.length) changed += Number((await base().where('id', 'in', part).executeTakeFirst()).numUpdatedRows);
  }
  return changed;
}
