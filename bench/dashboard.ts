// The dashboard's read paths at fleet scale: the board with 500 missions / 20,000 tasks (target: opens in under a
// second) and the mission page of a 200-task mission, timed through the HTTP app (routing, service, SQL, JSON).
// Run alone with `node dist/bench/dashboard.js [--missions 500] [--tasks 20000] [--iterations 30] [--db URL]`,
// or call measureDashboard() from bench/run.ts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pino from 'pino';
import type { MissionStatus } from '../src/core/enums.js';
import { openDatabase } from '../src/db/database.js';
import { createHttpApp } from '../src/http/app.js';
import { dashboardRoutes } from '../src/http/dashboard.js';
import { createSortie } from '../src/service/sortie.js';
import { seed } from './seed.js';
import { nowMs, printTable, type Summary, summarize } from './stats.js';

export interface DashboardBenchOptions {
  /** Database URL (a fresh SQLite file when omitted). */
  db?: string;
  missions: number;
  tasks: number;
  iterations: number;
}

export interface DashboardBenchResult {
  missions: number;
  tasks: number;
  boardBytes: number;
  /** GET /api/board, first request (cold caches) and the distribution after it. */
  boardFirstMs: number;
  board: Summary;
  missionPageTasks: number;
  missionPage: Summary;
  targetBoardMs: number;
  met: boolean;
}

const AGENTS = ['ava', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];
const STAGES: MissionStatus[] = ['brainstorm', 'plan', 'execute', 'execute', 'execute', 'validate', 'complete'];

export async function measureDashboard(options: DashboardBenchOptions): Promise<DashboardBenchResult> {
  const url = options.db ?? join(mkdtempSync(join(tmpdir(), 'sortie-bench-dash-')), 'dash.db');
  const database = await openDatabase(url);
  const logger = pino({ level: 'silent' });
  const sortie = createSortie({ database, logger });
  await sortie.migrate();
  const perMission = Math.ceil(options.tasks / options.missions);
  const ids = await seed(database, { tasks: options.tasks, perMission, doneFraction: 0.35, agents: AGENTS, project: 'fleet', chained: true });
  // Spread the missions over every stage and give the executing ones live claims, some of them expired, so
  // every warning the board computes has rows to find.
  const now = Date.now();
  await database.write(async (tx) => {
    for (let i = 0; i < ids.length; i++) {
      await tx
        .updateTable('missions')
        .set({ status: STAGES[i % STAGES.length], target_date: new Date(now + (i % 3 === 0 ? -1 : 1) * 86_400_000).toISOString() })
        .where('id', '=', ids[i])
        .execute();
    }
    await sql`update tasks set status = 'in_progress', claimed_by = 'ava', lease_expires_at = ${new Date(now + 600_000).toISOString()}, epoch = 1
      where status = 'todo' and seq % 9 = 4`.execute(tx);
    await sql`update tasks set lease_expires_at = ${new Date(now - 60_000).toISOString()} where status = 'in_progress' and seq % 18 = 4`.execute(tx);
    await sql`update tasks set status = 'failed', failure_note = 'bench' where status = 'todo' and seq % 13 = 7`.execute(tx);
  });
  // One 200-task mission with a wide, branching graph for the mission page.
  const [big] = await seed(database, { tasks: 200, perMission: 200, doneFraction: 0.25, agents: AGENTS, project: 'fleet', chained: true });

  const runtime = { sortie, logger, stop: async () => {} };
  const app = createHttpApp({ runtime, mount: [dashboardRoutes({ sortie, logger, localActor: { agent: 'bench', role: 'admin' } })] });
  const get = async (path: string) => {
    const start = nowMs();
    const res = await app.request(path);
    const body = await res.text();
    const ms = nowMs() - start;
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${body.slice(0, 300)}`);
    return { ms, bytes: body.length };
  };

  const first = await get('/api/board');
  const boardSamples: number[] = [];
  for (let i = 0; i < options.iterations; i++) boardSamples.push((await get('/api/board')).ms);
  const pageSamples: number[] = [];
  for (let i = 0; i < options.iterations; i++) pageSamples.push((await get(`/api/missions/${big}`)).ms);
  await sortie.changes.stop();
  await database.close();
  const board = summarize(boardSamples);
  return {
    missions: ids.length + 1,
    tasks: options.tasks + 200,
    boardBytes: first.bytes,
    boardFirstMs: Math.round(first.ms * 100) / 100,
    board,
    missionPageTasks: 200,
    missionPage: summarize(pageSamples),
    targetBoardMs: 1000,
    met: first.ms < 1000 && board.p99 < 1000,
  };
}

export function printDashboard(r: DashboardBenchResult): void {
  printTable(
    `Dashboard reads (${r.missions} missions, ${r.tasks} tasks)`,
    ['request', 'first ms', 'p50 ms', 'p99 ms', 'target'],
    [
      ['GET /api/board', r.boardFirstMs, r.board.p50, r.board.p99, `< ${r.targetBoardMs} ms ${r.met ? 'met' : 'MISSED'}`],
      [`GET /api/missions/:id (${r.missionPageTasks} tasks)`, '—', r.missionPage.p50, r.missionPage.p99, '—'],
    ],
  );
}

// Run directly: node dist/bench/dashboard.js
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      missions: { type: 'string', default: '500' },
      tasks: { type: 'string', default: '20000' },
      iterations: { type: 'string', default: '30' },
      db: { type: 'string' },
      out: { type: 'string', default: join(import.meta.dirname, '..', '..', 'bench', 'results') },
    },
  });
  const result = await measureDashboard({
    db: values.db,
    missions: Number(values.missions),
    tasks: Number(values.tasks),
    iterations: Number(values.iterations),
  });
  printDashboard(result);
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'dashboard.json'), `${JSON.stringify(result, null, 2)}\n`);
}
