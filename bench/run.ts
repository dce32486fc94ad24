// `npm run bench`: runs every benchmark (or a chosen few), prints tables, writes JSON to bench/results/.
// `npm run bench -- --smoke` is the CI version: seconds long, and it checks only correctness figures.

import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { openDatabase } from '../src/db/database.js';
import { createSortie } from '../src/service/sortie.js';
import { claimTargets, measureClaims } from './claims.js';
import { measureGrowth, sqliteGrowthUrl } from './growth.js';
import { measureLatency } from './latency.js';
import { seed } from './seed.js';
import { countStatements } from './statements.js';
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
    rounds: { type: 'string', default: '3' },
    'round-seconds': { type: 'string', default: '5' },
    'claim-agents': { type: 'string', default: '1,4,8,16' },
    'claim-pool': { type: 'string', default: '40000' },
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
const only = new Set((values.only ?? 'tokens,statements,claims,latency,throughput,growth').split(','));
const rounds = smoke ? 1 : Number(values.rounds);
const roundSeconds = smoke ? 1 : Number(values['round-seconds']);
const claimAgents = smoke ? [1, 4] : values['claim-agents'].split(',').map(Number);
const claimPool = smoke ? 3_000 : Number(values['claim-pool']);
const pgUrl = values.pg || '';
const work = mkdtempSync(join(tmpdir(), 'sortie-bench-'));
const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  options: { smoke, size, iterations, agentCounts, pool, durationS, growthSizes, rounds, roundSeconds, claimAgents, claimPool, pg: Boolean(pgUrl) },
  loadAverageStart: loadavg(),
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

if (only.has('statements')) {
  const counts = [await countStatements(join(work, 'statements.db'))];
  if (pgUrl) counts.push(await countStatements(await freshPg('sortie_bench_statements')));
  results.statements = counts;
  const cases = Object.keys(counts[0].counts);
  printTable(
    'Statements per use case (one call, BEGIN and COMMIT included)',
    ['use case', ...counts.map((c) => c.dialect)],
    cases.map((name) => [name, ...counts.map((c) => c.counts[name] ?? 0)]),
  );
}

if (only.has('claims')) {
  const claims = await measureClaims({ dir: work, pgUrl, rounds, durationS: roundSeconds, agentCounts: claimAgents, pgClients: 8, pool: claimPool }, freshPg);
  results.claims = claims;
  const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  process.stdout.write(
    `\nClaims against the raw limit: ${rounds} interleaved rounds of ${roundSeconds} s per case; load average ${fmt(claims.loadAverageStart)} at the start, ${fmt(claims.loadAverageEnd)} at the end\n`,
  );
  printTable(
    'Claim + complete, claims per second (each claim also completed)',
    ['case', 'per round', 'claims/s', 'share of', 'share', 'CPU µs/claim: bench · server · database', 'double claims', 'lock errors', 'other errors'],
    claims.cases.map((c) => [
      c.name,
      c.rounds.join(' / '),
      c.claimsPerSecond,
      c.baseline ? c.baseline.split(':')[0] : '—',
      c.shareOfBaseline === null ? '—' : `${c.shareOfBaseline}%`,
      [c.cpu.bench, c.cpu.server, c.cpu.database].map((us) => us ?? '—').join(' · '),
      c.doubleClaims ?? '—',
      c.lockErrors,
      c.otherErrors,
    ]),
  );
  const targets = claimTargets(claims, claimAgents);
  results.claimTargets = targets;
  printTable(
    'Targets (issue 14)',
    ['target', 'measured', ''],
    targets.map((t) => [t.target, t.measured, t.met ? 'met' : 'MISSED']),
  );
  for (const c of claims.cases) {
    if (c.doubleClaims || c.lockErrors || c.otherErrors)
      failures.push(`${c.name}: ${c.doubleClaims} double claims, ${c.lockErrors} lock errors, ${c.otherErrors} other errors`);
  }
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

results.loadAverageEnd = loadavg();
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
