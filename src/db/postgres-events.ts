// Appending a transaction's events on PostgreSQL: the counter, the rows and the notification in one statement.
//
// Each statement is a round trip (0.1–0.3 ms here); appending was three of them — take the sequence numbers, insert
// the events, pg_notify — in every write use case. As one statement the order that makes the feed safe is kept:
// the counter row is still updated by this, the transaction's last statement but the messages' insert, and its
// lock is held to commit, so events become visible in sequence order (see events-repo's appendEvents).
import { sql } from 'kysely';
import type { Db } from './dialect.js';
import { appendEvents, EVENT_COLUMNS, type NewEvent } from './events-repo.js';
import { preparedByShape, slots } from './prepared.js';

/** Events appended by one statement at most; each is a shape of its own (use cases append one to a few). */
const MAX_IN_ONE = 20;

const APPEND = preparedByShape((_db, n: number, channel: string) => {
  const width = EVENT_COLUMNS.length;
  const s = slots(1 + n * width);
  const rows = Array.from(
    { length: n },
    (_, r) => sql`(${sql.join(EVENT_COLUMNS.map((_c, i) => sql`${s[1 + r * width + i]}::text`))}, ${sql.lit(r + 1)}::int)`,
  );
  return sql<{ value: number }>`with next as (update counters set value = value + ${s[0]}::int where name = 'event_seq' returning value),
    appended as (
      insert into events (${sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)))}, seq)
      select ${sql.join(EVENT_COLUMNS.map((c) => sql.ref(`v.${c}`)))}, next.value - ${s[0]}::int + v.i from next, (values ${sql.join(rows)}) as v(${sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)))}, i)
      returning seq)
    select value, pg_notify(${sql.lit(channel)}, value::text) from next`;
});

/** Appends the events, announces the last sequence number on `channel` at commit, and returns it. */
export async function appendEventsPostgres(tx: Db, events: readonly NewEvent[], channel: string): Promise<number> {
  if (events.length > MAX_IN_ONE || Object.keys(events[0]).length !== EVENT_COLUMNS.length) {
    // A bulk change (a template's hundreds of tasks), or events with a column this statement does not know: the plain
    // way, under the parameter limit, then the notification.
    const last = await appendEvents(tx, events);
    await sql`select pg_notify(${channel}, ${String(last)})`.execute(tx);
    return last;
  }
  const values = [events.length, ...events.flatMap((e) => EVENT_COLUMNS.map((c) => e[c]))];
  const result = await APPEND(`${channel}:${events.length}`, events.length).run(tx, values, channel);
  return Number(result.rows[0]?.value);
}
