// The event log: the audit trail and the change feed, appended in the same transaction as the change it records.
import { sql } from 'kysely';
import type { Db } from './dialect.js';
import { prepared, preparedByShape, slots } from './prepared.js';
import type { EventsTable, NewEvent } from './schema.js';

export type { NewEvent };

/**
 * Appends events and returns the last sequence number. Numbers come from one counter row that the transaction
 * updates last: on PostgreSQL its row lock is held to commit, so events become visible in sequence order and a
 * reader polling `seq > n` can never skip a number that commits later (a plain sequence would allow that).
 * Holding the lock only from the end of the transaction keeps the serialized window to the commit itself.
 */
export async function appendEvents(tx: Db, events: readonly NewEvent[]): Promise<number> {
  const row = await NEXT_SEQ.run(tx, [events.length]);
  const last = Number(row.rows[0]?.value);
  const first = last - events.length + 1;
  if (events.length > 10 || Object.keys(events[0]).length !== EVENT_COLUMNS.length) {
    await tx
      .insertInto('events')
      .values(events.map((e, i) => ({ ...e, seq: first + i })))
      .execute();
  } else {
    // Prepared per number of events (a use case appends one to a few); a long list is built as before.
    await INSERT_EVENTS(String(events.length), events.length).run(
      tx,
      events.flatMap((e, i) => [...EVENT_COLUMNS.map((c) => e[c]), first + i]),
    );
  }
  return last;
}

export const EVENT_COLUMNS = ['at', 'actor', 'kind', 'project', 'mission_id', 'task_id', 'details'] as const satisfies ReadonlyArray<keyof NewEvent>;

// Prepared (db/prepared.ts): every write appends its events.
const NEXT_SEQ = prepared((_db) => sql<{ value: number }>`update counters set value = value + ${slots(1)[0]} where name = 'event_seq' returning value`);
const INSERT_EVENTS = preparedByShape((db, n: number) => {
  const width = EVENT_COLUMNS.length + 1;
  const values = slots(n * width);
  return db.insertInto('events').values(
    Array.from({ length: n }, (_, row) => ({
      ...Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, values[row * width + i]])),
      seq: values[row * width + EVENT_COLUMNS.length],
    })) as unknown as EventsTable[],
  );
});

export interface EventFilter {
  since: number;
  missionId?: string;
  taskId?: string;
  project?: string;
  projects?: readonly string[];
  kinds?: readonly string[];
}

export async function listEventRows(db: Db, filter: EventFilter, limit: number): Promise<EventsTable[]> {
  let q = db.selectFrom('events').selectAll().where('seq', '>', filter.since);
  if (filter.missionId !== undefined) q = q.where('mission_id', '=', filter.missionId);
  if (filter.taskId !== undefined) q = q.where('task_id', '=', filter.taskId);
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.projects !== undefined) q = q.where('project', 'in', filter.projects as string[]);
  if (filter.kinds?.length) q = q.where('kind', 'in', filter.kinds as string[]);
  return q.orderBy('seq').limit(limit).execute();
}

export async function lastEventSeq(db: Db): Promise<number> {
  const row = await db.selectFrom('counters').select('value').where('name', '=', 'event_seq').executeTakeFirst();
  return Number(row?.value ?? 0);
}

/** Whether `agent` ever claimed the task (any epoch): how an earlier holder is recognised after a re-claim. */
export async function hasClaimed(db: Db, taskId: string, agent: string): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('seq')
    .where('task_id', '=', taskId)
    .where('kind', '=', 'task.claimed')
    .where('actor', '=', agent)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Whether `agent` ever held the task through `instance` (null: its default instance) — by a claim or a takeover.
 * Read only on a refusal, to tell a superseded instance (LEASE_LOST) from one that never held the task.
 */
export async function instanceHeld(db: Db, taskId: string, agent: string, instance: string | null): Promise<boolean> {
  const rows = await db
    .selectFrom('events')
    .select(['kind', 'details'])
    .where('task_id', '=', taskId)
    .where('kind', 'in', ['task.claimed', 'task.taken_over'])
    .where('actor', '=', agent)
    .execute();
  return rows.some((r) => {
    const d = JSON.parse(r.details) as { instance?: string | null; toInstance?: string | null };
    return (r.kind === 'task.claimed' ? (d.instance ?? null) : (d.toInstance ?? null)) === instance;
  });
}

export async function countTaskEvents(db: Db, taskId: string): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
