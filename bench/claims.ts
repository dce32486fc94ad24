// Claims against the raw limit, side by side in one run: the raw loops and Sortie run interleaved (A B A B, the order
// reversed every other round), so a change in the machine's load hits every case alike, and the report is a ratio.
//
// The baseline is what a claim-and-complete costs the database itself: claim the next task and record an event, then
// complete it and record an event — two write transactions on a minimal table, prepared statements, nothing else.
// A Sortie claim and completion are those two transactions too, plus what makes them trustworthy (eligibility,
// dependencies, the in-progress limit, fencing, evidence, the audit log, the answer's view).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { type Database, openDatabase } from '../src/db/database.js';
import { sweepLeases } from '../src/runtime/lease-sweep.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { createSortie } from '../src/service/sortie.js';
import { SORTIE_BIN } from './latency.js';
import { freePort, waitForHealth } from './net.js';
import { rawOnSortieSchema } from './raw-schema.js';
import { seed } from './seed.js';
import { nowMs, round } from './stats.js';

const LOCK_ERROR = /locked|SQLITE_BUSY|deadlock|could not serialize|INTERNAL/i;
const NOTE = 'benchmark step, 1/1 tests';

/** One measured run of a case: claims made (each also completed) in `seconds`, and what went wrong. */
interface Run {
  claims: number;
  seconds: number;
  /** CPU time per claim (and its completion), in µs, by process: where the machine's cores went. */
  cpu: CpuSplit;
  lockErrors: number;
  otherErrors: number;
}

/**
 * CPU µs per claim: of the benchmark's own process (the raw loops, the service in process, or the MCP clients), of the
 * server processes (`sortie mcp`, `sortie serve`), and of the PostgreSQL backends serving the case. Server and
 * database figures come from /proc (Linux); null where a case has no such process or /proc is missing.
 */
export interface CpuSplit {
  bench: number;
  server: number | null;
  database: number | null;
}

/** A case: set up once, run once per round, checked and closed at the end. */
interface Case {
  name: string;
  /** The case whose rate this one is a share of (none for a baseline). */
  baseline?: string;
  run(durationS: number): Promise<Run>;
  /** Tasks claimed more than once without an expiry in between (client view and event log), after all rounds; null for the protocol floor, which has no tasks. */
  doubleClaims(): Promise<number | null>;
  close(): Promise<void>;
}

export interface ClaimsCaseResult {
  name: string;
  baseline: string | null;
  rounds: number[];
  claims: number;
  seconds: number;
  claimsPerSecond: number;
  /** This case's rate as a share of its baseline's, in percent. */
  shareOfBaseline: number | null;
  /** CPU µs per claim (and its completion) by process, averaged over the rounds: load barely moves it. */
  cpu: CpuSplit;
  doubleClaims: number | null;
  lockErrors: number;
  otherErrors: number;
}

export interface ClaimsResult {
  loadAverageStart: number[];
  loadAverageEnd: number[];
  rounds: number;
  durationS: number;
  cases: ClaimsCaseResult[];
}

export interface ClaimsOptions {
  dir: string;
  pgUrl?: string;
  rounds: number;
  durationS: number;
  /** Agent processes over stdio, one case each (1 is the stdio baseline of the others). */
  agentCounts: number[];
  /** HTTP clients and raw connections for the PostgreSQL pair. */
  pgClients: number;
  /** Tasks seeded per Sortie case: enough for every round. */
  pool: number;
}

/** CPU time (user + system) of a process, in µs, from /proc; null where it cannot be read. */
function procCpuUs(pid: number): number | null {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}

interface Pids {
  server: number[];
  database: number[];
}

/** CPU µs by pid; null for one that cannot be read. */
function readCpu(pids: readonly number[]): Map<number, number | null> {
  return new Map(pids.map((pid) => [pid, procCpuUs(pid)]));
}

/** CPU the processes used between two readings; a process that started in between counts from zero. */
function usedBetween(before: Map<number, number | null>, after: Map<number, number | null>): number | null {
  if (after.size === 0) return null;
  let total = 0;
  for (const [pid, us] of after) {
    if (us === null) return null;
    total += us - (before.get(pid) ?? 0);
  }
  return total;
}

/** Starts measuring CPU — this process's and that of the processes `pids` names — and returns the stop: the split per claim. */
async function meterCpu(pids: () => Promise<Pids> = async () => ({ server: [], database: [] })): Promise<(claims: number) => Promise<CpuSplit>> {
  const self = process.cpuUsage();
  const read = async () => {
    const p = await pids();
    return { server: readCpu(p.server), database: readCpu(p.database) };
  };
  const before = await read();
  return async (claims) => {
    const me = process.cpuUsage(self);
    const after = await read();
    const per = (us: number | null) => (us === null ? null : us / Math.max(1, claims));
    return {
      bench: (me.user + me.system) / Math.max(1, claims),
      server: per(usedBetween(before.server, after.server)),
      database: per(usedBetween(before.database, after.database)),
    };
  };
}

function fresh(file: string): string {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  return file;
}

/** The raw limit on SQLite: one process, WAL, synchronous=NORMAL, otherwise SQLite's defaults, as any program opens it. */
function rawSqlite(dir: string, rows: number): Case {
  const db = new BetterSqlite3(fresh(join(dir, 'raw-claims.db')));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table tasks (id integer primary key, status text not null, claimed_by text, epoch integer not null default 0, lease_expires_at text);
    create index tasks_status on tasks (status, id);
    create table events (seq integer primary key, task_id integer not null, kind text not null, at text not null, details text not null);`);
  const insert = db.prepare("insert into tasks (status) values ('todo')");
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run();
  })();
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const pick = db.prepare("select id, epoch from tasks where status = 'todo' order by id limit 1");
  const claim = db.prepare("update tasks set status = 'in_progress', claimed_by = ?, epoch = epoch + 1, lease_expires_at = ? where id = ?");
  const complete = db.prepare("update tasks set status = 'done', claimed_by = null, lease_expires_at = null where id = ? and claimed_by = ? and epoch = ?");
  const event = db.prepare('insert into events (task_id, kind, at, details) values (?, ?, ?, ?)');
  return {
    name: 'raw SQLite: claim-next + event, complete + event (2 transactions), 1 process',
    async run(durationS) {
      let claims = 0;
      const start = nowMs();
      const cpu = await meterCpu();
      const deadline = start + durationS * 1000;
      while (nowMs() < deadline) {
        const now = new Date().toISOString();
        begin.run();
        const row = pick.get() as { id: number; epoch: number } | undefined;
        if (!row) {
          commit.run();
          break;
        }
        claim.run('raw', now, row.id);
        event.run(row.id, 'task.claimed', now, `{"epoch":${row.epoch + 1}}`);
        commit.run();
        begin.run();
        complete.run(row.id, 'raw', row.epoch + 1);
        event.run(row.id, 'task.completed', now, '{}');
        commit.run();
        claims++;
      }
      return { claims, seconds: (nowMs() - start) / 1000, lockErrors: 0, otherErrors: 0, cpu: await cpu(claims) };
    },
    async doubleClaims() {
      return (
        db.prepare("select count(*) as n from (select task_id from events where kind = 'task.claimed' group by task_id having count(*) > 1)").get() as {
          n: number;
        }
      ).n;
    },
    async close() {
      db.close();
    },
  };
}

/** The PostgreSQL backends connected to the database `admin` is connected to (the case's connections and its own). */
async function backends(admin: pg.Client): Promise<number[]> {
  const r = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  return r.rows.map((row) => row.pid);
}

/** The raw limit on PostgreSQL: the same two transactions over `connections` connections, FOR UPDATE SKIP LOCKED. */
async function rawPostgres(url: string, rows: number, connections: number): Promise<Case> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('drop table if exists raw_events; drop table if exists raw_tasks');
  await admin.query(
    'create table raw_tasks (id serial primary key, status text not null, claimed_by text, epoch integer not null default 0, lease_expires_at text)',
  );
  await admin.query('create index on raw_tasks (status, id)');
  await admin.query(
    'create table raw_events (seq bigserial primary key, task_id integer not null, kind text not null, at text not null, details text not null)',
  );
  await admin.query(`insert into raw_tasks (status) select 'todo' from generate_series(1, ${rows})`);
  await admin.query('analyze raw_tasks');
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  return {
    name: `raw PostgreSQL: claim-next + event, complete + event (2 transactions), ${connections} connections`,
    async run(durationS) {
      let claims = 0;
      const cpu = await meterCpu(async () => ({ server: [], database: await backends(admin) }));
      const start = nowMs();
      const deadline = start + durationS * 1000;
      await Promise.all(
        clients.map(async (c, i) => {
          while (nowMs() < deadline) {
            const now = new Date().toISOString();
            await c.query('begin');
            const r = await c.query("select id, epoch from raw_tasks where status = 'todo' order by id limit 1 for update skip locked");
            if (r.rowCount === 0) {
              await c.query('commit');
              break;
            }
            const { id, epoch } = r.rows[0];
            await c.query("update raw_tasks set status = 'in_progress', claimed_by = $1, epoch = epoch + 1, lease_expires_at = $2 where id = $3", [
              `raw${i}`,
              now,
              id,
            ]);
            await c.query("insert into raw_events (task_id, kind, at, details) values ($1, 'task.claimed', $2, '{}')", [id, now]);
            await c.query('commit');
            await c.query('begin');
            await c.query("update raw_tasks set status = 'done', claimed_by = null, lease_expires_at = null where id = $1 and claimed_by = $2 and epoch = $3", [
              id,
              `raw${i}`,
              epoch + 1,
            ]);
            await c.query("insert into raw_events (task_id, kind, at, details) values ($1, 'task.completed', $2, '{}')", [id, now]);
            await c.query('commit');
            claims++;
          }
        }),
      );
      return { claims, seconds: (nowMs() - start) / 1000, lockErrors: 0, otherErrors: 0, cpu: await cpu(claims) };
    },
    async doubleClaims() {
      const r = await admin.query(
        "select count(*)::int as n from (select task_id from raw_events where kind = 'task.claimed' group by task_id having count(*) > 1) d",
      );
      return r.rows[0].n;
    },
    async close() {
      await Promise.all(clients.map((c) => c.end()));
      await admin.query('drop table raw_events; drop table raw_tasks');
      await admin.end();
    },
  };
}

/** Claimed tasks handed to more than one agent: from the clients' view, and from the event log of the project. */
async function doubles(database: Database, project: string, claimedBy: Map<string, number>): Promise<number> {
  const client = [...claimedBy.values()].filter((n) => n > 1).length;
  const log = await database.kysely
    .selectFrom('events')
    .select('task_id')
    .where('kind', '=', 'task.claimed')
    .where('project', '=', project)
    .groupBy('task_id')
    .having(({ fn }) => fn.countAll(), '>', 1)
    .execute();
  return Math.max(client, log.length);
}

async function seeded(dbUrl: string, project: string, tasks: number, agents: string[]): Promise<Database> {
  const database = await openDatabase(dbUrl);
  await createSortie({ database, logger: pino({ level: 'silent' }) }).migrate();
  await seed(database, { tasks, perMission: 1000, doneFraction: 0, agents, project, chained: false });
  return database;
}

/** Sortie's service in process (no MCP): claimNextTask then completeTask, with the sweep timer a server runs. */
async function sortieInProcess(dbUrl: string, pool: number): Promise<Case> {
  const project = 'inproc';
  const database = await seeded(dbUrl, project, pool, ['solo']);
  const logger = pino({ level: 'silent' });
  const sortie = createSortie({ database, logger });
  const stopTimer = sweepLeases({ sortie, logger, stop: async () => {} } satisfies Runtime);
  const me = { agent: 'solo' };
  const claimedBy = new Map<string, number>();
  return {
    name: 'Sortie service in process: claimNextTask + completeTask',
    baseline: 'sqlite',
    async run(durationS) {
      let claims = 0;
      const start = nowMs();
      const cpu = await meterCpu();
      const deadline = start + durationS * 1000;
      while (nowMs() < deadline) {
        const task = await sortie.claimNextTask(me, { project });
        if (!task) break;
        claims++;
        claimedBy.set(task.taskId, (claimedBy.get(task.taskId) ?? 0) + 1);
        await sortie.completeTask(me, { taskId: task.taskId, completionNote: NOTE, epoch: task.epoch });
      }
      return { claims, seconds: (nowMs() - start) / 1000, lockErrors: 0, otherErrors: 0, cpu: await cpu(claims) };
    },
    doubleClaims: () => doubles(database, project, claimedBy),
    async close() {
      stopTimer();
      await database.close();
    },
  };
}

interface Agent {
  agent: string;
  client: Client;
  /** The agent's server process, when the case started one per agent (stdio). */
  pid?: number;
}

/** An MCP client over stdio to a server process started with `args`. */
async function stdioAgent(agent: string, args: string[]): Promise<Agent> {
  const client = new Client({ name: `bench-${agent}`, version: '1' });
  const transport = new StdioClientTransport({ command: process.execPath, args, env: env(), stderr: 'ignore' });
  await client.connect(transport);
  return { agent, client, pid: transport.pid ?? undefined };
}

const serverPids = (agents: Agent[]) => async (): Promise<Pids> => ({ server: agents.flatMap((a) => (a.pid ? [a.pid] : [])), database: [] });

/**
 * The protocol's floor over stdio (bench/mcp-floor.ts): one MCP server process whose two tools do nothing, driven
 * like one `sortie mcp` — what two MCP calls cost before any of Sortie's work.
 */
async function mcpFloor(): Promise<Case> {
  const agent = await stdioAgent('floor', [join(import.meta.dirname, 'mcp-floor.js')]);
  return {
    name: 'floor: MCP stdio, 1 server process whose 2 tools do nothing (no database)',
    baseline: 'sqlite',
    run: (durationS) => drive([agent], 'floor', durationS, new Map(), serverPids([agent])),
    doubleClaims: async () => null,
    async close() {
      await agent.client.close().catch(() => {});
    },
  };
}

/** The floor of the in-process case (bench/raw-schema.ts): Sortie's claim and completion statements alone, on its schema. */
async function rawSchema(file: string, pool: number): Promise<Case> {
  const loop = await rawOnSortieSchema(file, { name: 'now', indexesBefore: false, autocheckpoint: false }, pool);
  return {
    name: "floor: raw statements on Sortie's own schema (its indexes), 1 process",
    baseline: 'sqlite',
    async run(durationS) {
      const cpu = await meterCpu();
      const r = loop.run(durationS);
      return { ...r, lockErrors: 0, otherErrors: 0, cpu: await cpu(r.claims) };
    },
    doubleClaims: async () => loop.doubleClaims(),
    async close() {
      loop.close();
    },
  };
}

/** N MCP clients claiming and completing until the deadline; what each call answered is counted. */
async function drive(agents: Agent[], project: string, durationS: number, claimedBy: Map<string, number>, pids?: () => Promise<Pids>): Promise<Run> {
  let claims = 0;
  let lockErrors = 0;
  let otherErrors = 0;
  const cpu = await meterCpu(pids);
  const start = nowMs();
  const deadline = start + durationS * 1000;
  const failed = (result: object) => {
    if (LOCK_ERROR.test(JSON.stringify((result as { content?: unknown }).content))) lockErrors++;
    else otherErrors++;
  };
  await Promise.all(
    agents.map(async ({ client }) => {
      while (nowMs() < deadline) {
        const next = await client.callTool({ name: 'claim_next_task', arguments: { project } });
        if (next.isError) {
          failed(next);
          continue;
        }
        const task = (next.structuredContent as { task: { taskId: string; epoch: number } | null }).task;
        if (!task) break;
        claims++;
        claimedBy.set(task.taskId, (claimedBy.get(task.taskId) ?? 0) + 1);
        const done = await client.callTool({ name: 'complete_task', arguments: { taskId: task.taskId, completionNote: NOTE, epoch: task.epoch } });
        if (done.isError) failed(done);
      }
    }),
  );
  const seconds = (nowMs() - start) / 1000;
  return { claims, seconds, lockErrors, otherErrors, cpu: await cpu(claims) };
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const env = () => ({ ...(process.env as Record<string, string>), SORTIE_LOG_LEVEL: 'error' });

/** N `sortie mcp` processes on one SQLite file, one agent each, each driven over stdio: how agents run on one machine. */
async function sortieStdio(dbUrl: string, pool: number, n: number): Promise<Case> {
  const project = `stdio${n}`;
  const agentNames = names('agent', n);
  const database = await seeded(dbUrl, project, pool, agentNames);
  const agents = await Promise.all(agentNames.map((agent) => stdioAgent(agent, [SORTIE_BIN, 'mcp', '--agent', agent, '--tools', 'worker', '--db', dbUrl])));
  const claimedBy = new Map<string, number>();
  return {
    name: `Sortie over MCP stdio: ${n} agent process${n === 1 ? '' : 'es'} (aggregate)`,
    baseline: n === 1 ? 'sqlite' : 'stdio1',
    run: (durationS) => drive(agents, project, durationS, claimedBy, serverPids(agents)),
    doubleClaims: () => doubles(database, project, claimedBy),
    async close() {
      await Promise.all(agents.map(({ client }) => client.close().catch(() => {})));
      await database.close();
    },
  };
}

/** One `sortie serve` on PostgreSQL and N MCP clients over Streamable HTTP, one agent each. */
async function sortieHttp(dbUrl: string, pool: number, n: number): Promise<Case> {
  const project = `http${n}`;
  const agentNames = names('agent', n);
  const database = await seeded(dbUrl, project, pool, agentNames);
  const port = await freePort();
  const server: ChildProcess = spawn(process.execPath, [SORTIE_BIN, 'serve', '--port', String(port), '--db', dbUrl], { env: env(), stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, server);
  const agents = await Promise.all(
    agentNames.map(async (agent) => {
      const client = new Client({ name: `bench-${agent}`, version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { 'x-sortie-agent': agent, 'x-sortie-tools': 'worker' } } }),
      );
      return { agent, client };
    }),
  );
  const claimedBy = new Map<string, number>();
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  const pids = async (): Promise<Pids> => ({ server: server.pid ? [server.pid] : [], database: await backends(admin) });
  return {
    name: `Sortie over MCP HTTP on PostgreSQL: 1 server, ${n} clients`,
    baseline: 'postgres',
    run: (durationS) => drive(agents, project, durationS, claimedBy, pids),
    doubleClaims: () => doubles(database, project, claimedBy),
    async close() {
      await Promise.all(agents.map(({ client }) => client.close().catch(() => {})));
      await admin.end().catch(() => {});
      server.kill('SIGTERM');
      if (server.exitCode === null) await once(server, 'exit');
      await database.close();
    },
  };
}

/** The CPU split per claim over a case's rounds, weighted by each round's claims. */
function averageCpu(list: readonly Run[]): CpuSplit {
  const claims = Math.max(
    1,
    list.reduce((s, r) => s + r.claims, 0),
  );
  const mean = (pick: (c: CpuSplit) => number | null): number | null =>
    list.some((r) => pick(r.cpu) === null) ? null : round(list.reduce((s, r) => s + (pick(r.cpu) ?? 0) * r.claims, 0) / claims, 0);
  return { bench: mean((c) => c.bench) ?? 0, server: mean((c) => c.server), database: mean((c) => c.database) };
}

/**
 * Sets every case up, runs `rounds` rounds of every case for `durationS` seconds each — in order on even rounds,
 * reversed on odd ones — and reports each case's rate and its share of its baseline's rate in the same run.
 */
export async function measureClaims(options: ClaimsOptions, freshPg: (name: string) => Promise<string>): Promise<ClaimsResult> {
  const loadAverageStart = loadavg().map((l) => round(l));
  // Keyed by what other cases name as their baseline.
  const cases = new Map<string, Case>();
  try {
    // The raw tables hold enough rows for every round at the raw rate (about 10,000 claims a second here).
    cases.set('sqlite', rawSqlite(options.dir, Math.max(50_000, options.rounds * options.durationS * 15_000)));
    cases.set('schema', await rawSchema(fresh(join(options.dir, 'claims-schema.db')), options.pool));
    cases.set('inproc', await sortieInProcess(fresh(join(options.dir, 'claims-inproc.db')), options.pool));
    cases.set('floor', await mcpFloor());
    for (const n of options.agentCounts) cases.set(`stdio${n}`, await sortieStdio(fresh(join(options.dir, `claims-stdio-${n}.db`)), options.pool, n));
    if (options.pgUrl) {
      cases.set('postgres', await rawPostgres(await freshPg('sortie_bench_claims_raw'), options.rounds * options.durationS * 3_000, options.pgClients));
      cases.set('http', await sortieHttp(await freshPg('sortie_bench_claims_http'), options.pool, options.pgClients));
    }
    const runs = new Map<string, Run[]>([...cases.keys()].map((k) => [k, []]));
    const order = [...cases.keys()];
    for (let round = 0; round < options.rounds; round++) {
      for (const key of round % 2 === 0 ? order : [...order].reverse()) {
        runs.get(key)?.push(await (cases.get(key) as Case).run(options.durationS));
      }
    }
    const rate = (key: string) => {
      const list = runs.get(key) ?? [];
      return (
        list.reduce((s, r) => s + r.claims, 0) /
        Math.max(
          1e-9,
          list.reduce((s, r) => s + r.seconds, 0),
        )
      );
    };
    const results: ClaimsCaseResult[] = [];
    for (const [key, c] of cases) {
      const list = runs.get(key) ?? [];
      results.push({
        name: c.name,
        baseline: c.baseline ? (cases.get(c.baseline)?.name ?? null) : null,
        rounds: list.map((r) => round(r.claims / r.seconds, 1)),
        claims: list.reduce((s, r) => s + r.claims, 0),
        seconds: round(list.reduce((s, r) => s + r.seconds, 0)),
        claimsPerSecond: round(rate(key), 1),
        shareOfBaseline: c.baseline ? round((100 * rate(key)) / rate(c.baseline), 1) : null,
        cpu: averageCpu(list),
        doubleClaims: await c.doubleClaims(),
        lockErrors: list.reduce((s, r) => s + r.lockErrors, 0),
        otherErrors: list.reduce((s, r) => s + r.otherErrors, 0),
      });
    }
    return { loadAverageStart, loadAverageEnd: loadavg().map((l) => round(l)), rounds: options.rounds, durationS: options.durationS, cases: results };
  } finally {
    for (const c of cases.values()) await c.close().catch(() => {});
  }
}

/** The targets of issue 14, checked against one run's results: what each needs, and whether it was met. */
export function claimTargets(result: ClaimsResult, agentCounts: readonly number[]): Array<{ target: string; measured: string; met: boolean }> {
  const byName = (prefix: string) => result.cases.find((c) => c.name.startsWith(prefix));
  const out: Array<{ target: string; measured: string; met: boolean }> = [];
  // With the floor measured in the same run beside it: the share the case could reach if Sortie's own work cost nothing.
  const share = (c: ClaimsCaseResult | undefined, min: number, target: string, floor?: ClaimsCaseResult) => {
    if (c?.shareOfBaseline == null) return;
    const beside = floor?.shareOfBaseline == null ? '' : ` (${floor.name.split(',')[0]}: ${floor.shareOfBaseline}%)`;
    out.push({ target, measured: `${c.claimsPerSecond} claims/s, ${c.shareOfBaseline}%${beside}`, met: c.shareOfBaseline >= min });
  };
  share(byName('Sortie service in process'), 25, 'SQLite, in process: ≥ 25% of raw claim + complete', byName('floor: raw statements'));
  share(byName('Sortie over MCP stdio: 1 agent process'), 20, 'SQLite, MCP stdio, 1 agent process: ≥ 20% of raw', byName('floor: MCP stdio'));
  const one = byName('Sortie over MCP stdio: 1 agent process');
  for (const n of agentCounts.filter((a) => a > 1)) {
    const c = byName(`Sortie over MCP stdio: ${n} agent processes`);
    if (c && one)
      out.push({
        target: `SQLite, ${n} agent processes: aggregate ≥ the 1-process rate`,
        measured: `${c.claimsPerSecond} vs ${one.claimsPerSecond} claims/s`,
        met: c.claimsPerSecond >= one.claimsPerSecond,
      });
  }
  share(byName('Sortie over MCP HTTP on PostgreSQL'), 25, 'PostgreSQL, MCP HTTP, 8 clients: ≥ 25% of raw with 8 connections');
  const doubles = result.cases.reduce((s, c) => s + (c.doubleClaims ?? 0), 0);
  const locks = result.cases.reduce((s, c) => s + c.lockErrors, 0);
  out.push({ target: '0 double claims, 0 lock errors', measured: `${doubles} double claims, ${locks} lock errors`, met: doubles === 0 && locks === 0 });
  return out;
}
