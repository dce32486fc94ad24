// What Sortie's schema costs the database itself: the raw claim-and-complete loop (two transactions with their events,
// prepared statements, no server) on Sortie's own tables, with the indexes and checkpointing of before and after
// issue 14, interleaved like bench/claims.ts. `node dist/bench/schema.js [--rounds 3] [--seconds 4]` after a build.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { openDatabase } from '../src/db/database.js';
import { createSortie } from '../src/service/sortie.js';
import { seed } from './seed.js';
import { nowMs, printTable, round } from './stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '4' } } });

/** The task indexes as migrations 0001–0007 left them (0008 made three partial and dropped tasks_updated). */
const INDEXES_BEFORE = `drop index tasks_claimed; drop index tasks_leases; drop index tasks_assignee;
  create index tasks_claimed on tasks (claimed_by, status); create index tasks_leases on tasks (status, lease_expires_at);
  create index tasks_assignee on tasks (assigned_to, status, urgency, id); create index tasks_updated on tasks (updated_at);`;

interface Variant {
  name: string;
  indexesBefore: boolean;
  autocheckpoint: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'indexes of 0001–0007, autocheckpoint on (before)', indexesBefore: true, autocheckpoint: true },
  { name: 'indexes of 0001–0007, checkpoints off the commit path', indexesBefore: true, autocheckpoint: false },
  { name: 'indexes of 0008, checkpoints off the commit path (after)', indexesBefore: false, autocheckpoint: false },
];

async function prepare(dir: string, v: Variant, i: number) {
  const file = join(dir, `schema-${i}.db`);
  const database = await openDatabase(file);
  await createSortie({ database, logger: pino({ level: 'silent' }) }).migrate();
  await seed(database, { tasks: 100_000, perMission: 1000, doneFraction: 0, agents: ['solo'], project: 'p', chained: false });
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
        const r = pick.get() as { id: string; project: string; mission_id: string };
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
    close: () => db.close(),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'sortie-schema-'));
const load = loadavg();
const cases = await Promise.all(VARIANTS.map((v, i) => prepare(dir, v, i)));
const totals = VARIANTS.map(() => ({ claims: 0, seconds: 0, rounds: [] as number[] }));
for (let r = 0; r < Number(values.rounds); r++) {
  const order = VARIANTS.map((_, i) => i);
  for (const i of r % 2 === 0 ? order : order.reverse()) {
    const run = cases[i].run(Number(values.seconds));
    totals[i].claims += run.claims;
    totals[i].seconds += run.seconds;
    totals[i].rounds.push(round(run.claims / run.seconds));
  }
}
for (const c of cases) c.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `\nload average ${load.map((l) => l.toFixed(2)).join(' ')} at the start, ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end\n`,
);
printTable(
  "Raw claim + complete on Sortie's schema (100,000 tasks), claims per second",
  ['variant', 'per round', 'claims/s'],
  VARIANTS.map((v, i) => [v.name, totals[i].rounds.join(' / '), round(totals[i].claims / totals[i].seconds)]),
);
