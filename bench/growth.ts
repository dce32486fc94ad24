// Growth: how the ready queue, claim_next_task and get_mission behave as the database grows — with the query plans
// that show each hot query is index-backed.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { openDatabase } from '../src/db/database.js';
import { createSortie } from '../src/service/sortie.js';
import { seed } from './seed.js';
import { nowMs, round, summarize } from './stats.js';

export interface GrowthResult {
  dialect: string;
  tasks: number;
  seedSeconds: number;
  readyQueueP50: number;
  claimNextP50: number;
  getMissionP50: number;
  plans: Record<string, string[]>;
}

const AGENTS = ['ann', 'ben', 'cai', 'dee'];

export async function measureGrowth(url: string, dialect: 'sqlite' | 'postgres', tasks: number, iterations: number): Promise<GrowthResult> {
  const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  let capture = false;
  const database = await openDatabase(url, { onQuery: (sql, parameters) => capture && captured.push({ sql, parameters }) });
  const sortie = createSortie({ database, logger: pino({ level: 'silent' }) });
  await sortie.migrate();
  const seedStart = nowMs();
  const missions = await seed(database, { tasks, perMission: 100, doneFraction: 0.9, agents: AGENTS, chained: true });
  const seedSeconds = (nowMs() - seedStart) / 1000;
  const actor = { agent: AGENTS[0] };
  const ready: number[] = [];
  const claim: number[] = [];
  const mission: number[] = [];
  const plans: Record<string, string[]> = {};
  for (let i = 0; i < iterations; i++) {
    let t = nowMs();
    capture = i === 0;
    await sortie.listTasks(actor, { ready: true, limit: 20 });
    ready.push(nowMs() - t);
    if (i === 0) plans['ready queue (list_tasks ready: true)'] = await explain(url, dialect, captured.find((q) => /not exists/i.test(q.sql)) ?? captured[0]);
    captured.length = 0;
    t = nowMs();
    const task = await sortie.claimNextTask(actor, {});
    claim.push(nowMs() - t);
    if (i === 0)
      plans['claim_next_task pick'] = await explain(url, dialect, captured.find((q) => /mission_members/i.test(q.sql) && /select/i.test(q.sql)) ?? captured[0]);
    capture = false;
    if (task) await sortie.releaseTask(actor, { taskId: task.taskId });
    t = nowMs();
    await sortie.getMission(actor, { missionId: missions[i % missions.length] });
    mission.push(nowMs() - t);
  }
  await database.close();
  return {
    dialect,
    tasks,
    seedSeconds: round(seedSeconds, 1),
    readyQueueP50: summarize(ready).p50,
    claimNextP50: summarize(claim).p50,
    getMissionP50: summarize(mission).p50,
    plans,
  };
}

async function explain(url: string, dialect: 'sqlite' | 'postgres', query: { sql: string; parameters: readonly unknown[] } | undefined): Promise<string[]> {
  if (!query) return [];
  if (dialect === 'sqlite') {
    const db = new BetterSqlite3(url, { readonly: true });
    try {
      const rows = db.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[])) as Array<{ detail: string }>;
      return rows.map((r) => r.detail);
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`explain ${query.sql}`, query.parameters as unknown[]);
    return r.rows.map((row: Record<string, string>) => row['QUERY PLAN']);
  } finally {
    await c.end();
  }
}

export function sqliteGrowthUrl(dir: string, tasks: number): string {
  return join(dir, `growth-${tasks}.db`);
}
