// The limit: the same single-row claim on bare better-sqlite3 and bare pg, with no server around it.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { nowMs, round } from './stats.js';

export interface RawResult {
  engine: string;
  connections: number;
  claims: number;
  seconds: number;
  claimsPerSecond: number;
}

/** One process, one connection: BEGIN IMMEDIATE; pick the first todo row; mark it claimed; COMMIT. */
export function rawSqliteClaims(dir: string, rows: number, durationS: number): RawResult {
  const db = new BetterSqlite3(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'create table t (id integer primary key, status text not null, claimed_by text, epoch integer not null default 0); create index t_status on t(status, id);',
  );
  const insert = db.prepare("insert into t (status) values ('todo')");
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run();
  })();
  const pick = db.prepare("select id from t where status = 'todo' order by id limit 1");
  const claim = db.prepare("update t set status = 'claimed', claimed_by = ?, epoch = epoch + 1 where id = ?");
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  let claims = 0;
  const start = nowMs();
  const deadline = start + durationS * 1000;
  while (nowMs() < deadline) {
    begin.run();
    const row = pick.get() as { id: number } | undefined;
    if (!row) {
      commit.run();
      break;
    }
    claim.run('raw', row.id);
    commit.run();
    claims++;
  }
  const seconds = (nowMs() - start) / 1000;
  db.close();
  return { engine: 'better-sqlite3', connections: 1, claims, seconds: round(seconds), claimsPerSecond: round(claims / seconds, 1) };
}

/** N connections claiming concurrently with FOR UPDATE SKIP LOCKED. */
export async function rawPgClaims(url: string, rows: number, durationS: number, connections: number): Promise<RawResult> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('drop table if exists sortie_bench_raw');
  await admin.query('create table sortie_bench_raw (id serial primary key, status text not null, claimed_by text, epoch integer not null default 0)');
  await admin.query('create index on sortie_bench_raw (status, id)');
  await admin.query(`insert into sortie_bench_raw (status) select 'todo' from generate_series(1, ${rows})`);
  let claims = 0;
  const start = nowMs();
  const deadline = start + durationS * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        while (nowMs() < deadline) {
          await c.query('begin');
          const r = await c.query("select id from sortie_bench_raw where status = 'todo' order by id limit 1 for update skip locked");
          if (r.rowCount === 0) {
            await c.query('commit');
            break;
          }
          await c.query("update sortie_bench_raw set status = 'claimed', claimed_by = $1, epoch = epoch + 1 where id = $2", [`raw${i}`, r.rows[0].id]);
          await c.query('commit');
          claims++;
        }
      } finally {
        await c.end();
      }
    }),
  );
  const seconds = (nowMs() - start) / 1000;
  await admin.query('drop table sortie_bench_raw');
  await admin.end();
  return { engine: 'pg', connections, claims, seconds: round(seconds), claimsPerSecond: round(claims / seconds, 1) };
}

/**
 * The same claim through Sortie's service layer in-process — no MCP, no transport — so the report can split
 * Sortie's overhead into storage work (transactions, events, fencing) and protocol work (JSON-RPC, schemas).
 */
export async function serviceClaims(dbUrl: string, rows: number, durationS: number): Promise<RawResult & { completions: number }> {
  const { openDatabase } = await import('../src/db/database.js');
  const { createSortie } = await import('../src/service/sortie.js');
  const { seed } = await import('./seed.js');
  const pino = (await import('pino')).default;
  const database = await openDatabase(dbUrl);
  const sortie = createSortie({ database, logger: pino({ level: 'silent' }) });
  await sortie.migrate();
  await seed(database, { tasks: rows, perMission: 1000, doneFraction: 0, agents: ['solo'], project: 'service', chained: false });
  const me = { agent: 'solo' };
  let claims = 0;
  let completions = 0;
  const start = nowMs();
  const deadline = start + durationS * 1000;
  while (nowMs() < deadline) {
    const task = await sortie.claimNextTask(me, { project: 'service' });
    if (!task) break;
    claims++;
    await sortie.completeTask(me, { taskId: task.taskId, completionNote: 'benchmark step, 1/1 tests', epoch: task.epoch });
    completions++;
  }
  const seconds = (nowMs() - start) / 1000;
  await database.close();
  return {
    engine: `sortie service, ${database.dialect} (claim + complete)`,
    connections: 1,
    claims,
    completions,
    seconds: round(seconds),
    claimsPerSecond: round(claims / seconds, 1),
  };
}
