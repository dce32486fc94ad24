// The raw claim-and-complete loop on Sortie's own schema: two transactions with their events, prepared statements,
// no server — what Sortie's tables and indexes cost the database itself, before any of Sortie's own work.
// bench/schema.ts compares its variants; bench/claims.ts runs it beside the service, as the in-process case's floor.
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { openDatabase } from '../src/db/database.js';
import { createSortie } from '../src/service/sortie.js';
import { seed } from './seed.js';
import { nowMs } from './stats.js';

/** The task indexes as migrations 0001–0007 left them (0008 made three partial and dropped tasks_updated). */
const INDEXES_BEFORE = `drop index tasks_claimed; drop index tasks_leases; drop index tasks_assignee;
  create index tasks_claimed on tasks (claimed_by, status); create index tasks_leases on tasks (status, lease_expires_at);
  create index tasks_assignee on tasks (assigned_to, status, urgency, id); create index tasks_updated on tasks (updated_at);`;

export interface Variant {
  name: string;
  indexesBefore: boolean;
  autocheckpoint: boolean;
}

/** A loop on a fresh Sortie database at `file` seeded with `tasks` ready tasks, in variant `v`. */
export async function rawOnSortieSchema(file: string, v: Variant, tasks = 100_000) {
  const database = await openDatabase(file);
  await createSortie({ database, logger: pino({ level: 'silent' }) }).migrate();
  await seed(database, { tasks, perMission: 1000, doneFraction: 0, agents: ['solo'], project: 'p', chained: false });
  await database.close();
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (v.indexesBefore) db.exec(INDEXES_BEFORE);
  // Off: a passive checkpoint each second, as the sweep timer runs it.
  if (!v.autocheckpoint) db.pragma('wal_autocheckpoint = 0');
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const pick = db.prepare("select * from tasks where status = 'todo' order by urgency, id limit 1");
  const claim = db.prepare(
    "update tasks set status = 'in_progress', claimed_by = ?, claimed_by_instance = null, last_holder = ?, lease_expires_at = ?, epoch = epoch + 1, started_at = ?, paused_at = null, paused_reason = null, updated_at = ? where id = ?",
  );
  const done = db.prepare(
    "update tasks set status = 'done', claimed_by = null, claimed_by_instance = null, lease_expires_at = null, completion_note = ?, completed_at = ?, updated_at = ? where id = ?",
  );
  const seq = db.prepare("update counters set value = value + 1 where name = 'event_seq' returning value");
  const event = db.prepare('insert into events (seq, at, actor, kind, project, mission_id, task_id, details) values (?, ?, ?, ?, ?, ?, ?, ?)');
  const checkpoint = db.prepare('pragma wal_checkpoint(passive)');
  return {
    run(seconds: number) {
      let claims = 0;
      let lastCheckpoint = nowMs();
      const start = nowMs();
      while (nowMs() - start < seconds * 1000) {
        const now = new Date().toISOString();
        begin.run();
        const r = pick.get() as { id: string; project: string; mission_id: string } | undefined;
        if (!r) {
          commit.run();
          break;
        }
        claim.run('solo', 'solo', now, now, now, r.id);
        event.run((seq.get() as { value: number }).value, now, 'solo', 'task.claimed', r.project, r.mission_id, r.id, '{"from":"todo"}');
        commit.run();
        begin.run();
        done.run('benchmark step, 1/1 tests', now, now, r.id);
        event.run((seq.get() as { value: number }).value, now, 'solo', 'task.completed', r.project, r.mission_id, r.id, '{}');
        commit.run();
        claims++;
        if (!v.autocheckpoint && nowMs() - lastCheckpoint >= 1000) {
          checkpoint.get();
          lastCheckpoint = nowMs();
        }
      }
      return { claims, seconds: (nowMs() - start) / 1000 };
    },
    /** Tasks the loop claimed more than once, from its event log. */
    doubleClaims: () =>
      (
        db.prepare("select count(*) as n from (select task_id from events where kind = 'task.claimed' group by task_id having count(*) > 1)").get() as {
          n: number;
        }
      ).n,
    close: () => db.close(),
  };
}
