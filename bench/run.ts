// `npm run bench`: runs every benchmark (or a chosen few), prints tables, writes JSON to bench/results/.
// `npm run bench -- --smoke` is the CI version: seconds long, and it checks only correctness figures.

import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { openDatabase } from '../src/db/database.js';
import { createSortie } from '../src/service/sortie.js';
import { measureGrowth, sqliteGrowthUrl } from './growth.js';
import { measureLatency } from './latency.js';
import { rawPgClaims, rawSqliteClaims, serviceClaims } from './raw.js';
import { seed } from './seed.js';
import { printTable } from './stats.js';
import { measureThroughput, type ThroughputResult } from './throughput.js';
import { measureTokens } from './tokens.js';

// The SDK's HTTP client transport adds an abort listener per request and never removes it; over thousands of
// requests Node warns about a leak in the *client*. The servers under test are separate processes.
setMaxListeners(0);

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    size: { type: 'string', default: '100000' },
    iterations: { type: 'string', default: '200' },
    agents: { type: 'string', default: '1,8,64' },
    pool: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '20' },
    growth: { type: 'string', default: '1000,10000,100000,1000000' },
    pg: { type: 'string', default: process.env.SORTIE_BENCH_PG_URL ?? process.env.SORTIE_TEST_PG_URL ?? '' },
    out: { type: 'string', default: join(import.meta.dirname, '..', '..', 'bench', 'results') },
  },
});

const smoke = values.smoke;
const size = smoke ? 2_000 : Number(values.size);
const iterations = smoke ? 20 : Number(values.iterations);
const agentCounts = smoke ? [1, 8] : values.agents.split(',').map(Number);
const pool = smoke ? 300 : Number(values.pool);
const durationS = smoke ? 30 : Number(values.duration);
const growthSizes = smoke ? [1_000] : values.growth.split(',').map(Number);
const only = new Set((values.only ?? 'tokens,raw,latency,throughput,growth').split(','));
const pgUrl = values.pg || '';
const work = mkdtempSync(join(tmpdir(), 'sortie-bench-'));
const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  options: { smoke, size, iterations, agentCounts, pool, durationS, growthSizes, pg: Boolean(pgUrl) },
};
const silent = pino({ level: 'silent' });
const failures: string[] = [];

async function freshPg(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const agentNames = (n: number) => Array.from({ length: n }, (_, i) => `agent${String(i).padStart(2, '0')}`);

async function throughputRun(dbUrl: string, n: number, mode: 'stdio' | 'http'): Promise<ThroughputResult> {
  const database = await openDatabase(dbUrl);
  const sortie = createSortie({ database, logger: silent });
  await sortie.migrate();
  const project = `pool${n}`;
  await seed(database, { tasks: pool, perMission: 1000, doneFraction: 0, agents: agentNames(Math.max(n, 1)), project, chained: false });
  const result = await measureThroughput({ dbUrl, database, agents: agentNames(n), durationS, mode, replicas: 2, project });
  await database.close();
  return result;
}

if (only.has('tokens')) {
  const database = await openDatabase(':memory:');
  const sortie = createSortie({ database, logger: silent });
  const tokens = await measureTokens(sortie);
  await database.close();
  results.tokens = tokens;
  printTable(
    'tools per profile: what the model reads (name + description + input schema) and the whole tools/list',
    ['profile', 'tools', 'model chars', 'model tokens', 'budget (chars)', 'tools/list chars'],
    tokens.map((t) => [t.profile, t.tools, t.modelCharacters, t.modelTokens, t.budget, t.listCharacters]),
  );
  for (const t of tokens)
    if (t.modelCharacters > t.budget) failures.push(`the ${t.profile} tools cost a model ${t.modelCharacters} characters, over its budget of ${t.budget}`);
}

if (only.has('raw')) {
  const rawRows = smoke ? 5_000 : 500_000;
  const raw = [rawSqliteClaims(work, rawRows, smoke ? 1 : 5)];
  if (pgUrl) {
    const url = await freshPg('sortie_bench_raw');
    raw.push(await rawPgClaims(url, rawRows, smoke ? 1 : 5, 1), await rawPgClaims(url, rawRows, smoke ? 1 : 5, 8));
  }
  raw.push(await serviceClaims(join(work, 'service.db'), smoke ? 300 : 20_000, smoke ? 1 : 5));
  results.raw = raw;
  printTable(
    'Raw single-row claim, no server',
    ['engine', 'connections', 'claims', 'seconds', 'claims/s'],
    raw.map((r) => [r.engine, r.connections, r.claims, r.seconds, r.claimsPerSecond]),
  );
}

if (only.has('latency')) {
  const dbUrl = join(work, 'latency.db');
  const database = await openDatabase(dbUrl);
  const sortie = createSortie({ database, logger: silent });
  await sortie.migrate();
  await seed(database, { tasks: size, perMission: 100, doneFraction: 0.9, agents: ['bench', 'ann', 'ben'], chained: true });
  const [bigMissionId] = await seed(database, { tasks: 1000, perMission: 1000, doneFraction: 0.5, agents: ['bench'], project: 'big', chained: true });
  await database.close();
  const latency: Record<string, unknown> = {};
  for (const transport of ['stdio', 'http'] as const) {
    const r = await measureLatency(transport, { dbUrl, agent: 'bench', iterations, bigMissionId });
    latency[transport] = r;
    printTable(
      `Tool-call latency over ${transport}, ${size.toLocaleString('en')} tasks in the database (ms)`,
      ['tool', 'n', 'p50', 'p99'],
      Object.entries(r).map(([tool, s]) => [tool, s.n, s.p50, s.p99]),
    );
  }
  results.latency = latency;
}

if (only.has('throughput')) {
  const rows: ThroughputResult[] = [];
  for (const n of agentCounts) rows.push(await throughputRun(join(work, `throughput-${n}.db`), n, 'stdio'));
  if (pgUrl) for (const n of agentCounts) rows.push(await throughputRun(await freshPg(`sortie_bench_tp_${n}`), n, 'http'));
  results.throughput = rows;
  printTable(
    `Claim + complete throughput, pool of ${pool.toLocaleString('en')} tasks`,
    ['backend', 'agents', 'claims', 'seconds', 'claims/s', 'double claims', 'lock errors', 'lost writes', 'other errors'],
    rows.map((r) => [
      r.mode === 'stdio' ? 'SQLite, 1 process per agent (stdio)' : `PostgreSQL, ${r.replicas} HTTP replicas`,
      r.agents,
      r.claims,
      r.seconds,
      r.claimsPerSecond,
      r.doubleClaims,
      r.lockErrors,
      r.lostWrites,
      r.otherErrors,
    ]),
  );
  for (const r of rows) {
    if (r.doubleClaims || r.lockErrors || r.lostWrites || r.otherErrors)
      failures.push(
        `${r.mode} with ${r.agents} agents: ${r.doubleClaims} double claims, ${r.lockErrors} lock errors, ${r.lostWrites} lost writes, ${r.otherErrors} other errors`,
      );
    if (smoke && r.completions !== pool) failures.push(`${r.mode} with ${r.agents} agents completed ${r.completions} of ${pool} tasks`);
  }
}

if (only.has('growth')) {
  const rows = [];
  for (const n of growthSizes) rows.push(await measureGrowth(sqliteGrowthUrl(work, n), 'sqlite', n, smoke ? 10 : 50));
  if (pgUrl) for (const n of growthSizes) rows.push(await measureGrowth(await freshPg(`sortie_bench_growth_${n}`), 'postgres', n, smoke ? 10 : 50));
  results.growth = rows;
  printTable(
    'Growth: hot queries as the database grows (p50, ms, in-process)',
    ['dialect', 'tasks', 'seed s', 'ready queue', 'claim_next_task', 'get_mission (100 tasks)'],
    rows.map((r) => [r.dialect, r.tasks.toLocaleString('en'), r.seedSeconds, r.readyQueueP50, r.claimNextP50, r.getMissionP50]),
  );
  const largest = rows.filter((r) => r.tasks === Math.max(...growthSizes));
  for (const r of largest) {
    for (const [name, plan] of Object.entries(r.plans))
      process.stdout.write(`\nQuery plan, ${r.dialect}, ${name} at ${r.tasks.toLocaleString('en')} tasks:\n${plan.map((l) => `    ${l}`).join('\n')}\n`);
  }
}

mkdirSync(values.out, { recursive: true });
const file = join(values.out, `${smoke ? 'smoke' : 'bench'}-${results.startedAt as string}.json`.replace(/:/g, '-'));
writeFileSync(file, JSON.stringify(results, null, 2));
writeFileSync(join(values.out, smoke ? 'smoke-latest.json' : 'latest.json'), JSON.stringify(results, null, 2));
process.stdout.write(`\nresults: ${file}\n`);
if (failures.length) {
  process.stderr.write(`\nFAILED:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  process.exit(1);
}
process.exit(0);
