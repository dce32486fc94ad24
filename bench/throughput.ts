// Claim throughput: N agents claim and complete from a shared pool through real MCP connections, and the
// correctness figures that must stay at zero — double claims, lock errors, lost writes — are counted.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Database } from '../src/db/database.js';
import { SORTIE_BIN } from './latency.js';
import { freePort, waitForHealth } from './net.js';
import { nowMs, round } from './stats.js';

export interface ThroughputOptions {
  dbUrl: string;
  database: Database;
  agents: string[];
  /** Seconds after which agents stop claiming (the pool may empty first). */
  durationS: number;
  /** 'stdio': one `sortie mcp` process per agent on the shared file; 'http': clients spread over `replicas` servers. */
  mode: 'stdio' | 'http';
  replicas?: number;
  project: string;
}

export interface ThroughputResult {
  agents: number;
  mode: string;
  replicas: number;
  claims: number;
  completions: number;
  seconds: number;
  claimsPerSecond: number;
  doubleClaims: number;
  lockErrors: number;
  lostWrites: number;
  otherErrors: number;
}

const LOCK_ERROR = /locked|SQLITE_BUSY|deadlock|could not serialize|INTERNAL/i;

export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const env = { ...(process.env as Record<string, string>), SORTIE_LOG_LEVEL: 'error' };
  const servers: ChildProcess[] = [];
  const urls: string[] = [];
  if (options.mode === 'http') {
    for (let r = 0; r < (options.replicas ?? 2); r++) {
      const port = await freePort();
      servers.push(spawn(process.execPath, [SORTIE_BIN, 'serve', '--port', String(port), '--db', options.dbUrl], { env, stdio: 'ignore' }));
      urls.push(`http://127.0.0.1:${port}`);
    }
    for (const [r, url] of urls.entries()) await waitForHealth(url, servers[r]);
  }
  const clients = await Promise.all(
    options.agents.map(async (agent, i) => {
      const client = new Client({ name: `bench-${agent}`, version: '1' });
      if (options.mode === 'stdio') {
        await client.connect(
          new StdioClientTransport({
            command: process.execPath,
            args: [SORTIE_BIN, 'mcp', '--agent', agent, '--tools', 'worker', '--db', options.dbUrl],
            env,
            stderr: 'ignore',
          }),
        );
      } else {
        await client.connect(
          new StreamableHTTPClientTransport(new URL(`${urls[i % urls.length]}/mcp`), {
            requestInit: { headers: { 'x-sortie-agent': agent, 'x-sortie-tools': 'worker' } },
          }),
        );
      }
      return { agent, client };
    }),
  );

  const claimedBy = new Map<string, string[]>();
  const completed = new Set<string>();
  let claims = 0;
  let lockErrors = 0;
  let otherErrors = 0;
  const start = nowMs();
  const deadline = start + options.durationS * 1000;
  await Promise.all(
    clients.map(async ({ agent, client }) => {
      while (nowMs() < deadline) {
        const next = await client.callTool({ name: 'claim_next_task', arguments: { project: options.project } });
        if (next.isError) {
          const text = JSON.stringify(next.content);
          if (LOCK_ERROR.test(text)) lockErrors++;
          else otherErrors++;
          continue;
        }
        const task = (next.structuredContent as { task: { taskId: string; epoch: number } | null }).task;
        if (!task) break;
        claims++;
        claimedBy.set(task.taskId, [...(claimedBy.get(task.taskId) ?? []), agent]);
        const done = await client.callTool({
          name: 'complete_task',
          arguments: { taskId: task.taskId, completionNote: 'benchmark step, 1/1 tests', epoch: task.epoch },
        });
        if (done.isError) {
          if (LOCK_ERROR.test(JSON.stringify(done.content))) lockErrors++;
          else otherErrors++;
          continue;
        }
        completed.add(task.taskId);
      }
    }),
  );
  const seconds = (nowMs() - start) / 1000;
  await Promise.all(clients.map(({ client }) => client.close().catch(() => {})));
  for (const server of servers) {
    server.kill('SIGTERM');
    if (server.exitCode === null) await once(server, 'exit');
  }

  // Double claims: a task handed to two agents (client view) or claimed twice without an expiry in between (log).
  const clientDoubles = [...claimedBy.values()].filter((holders) => holders.length > 1).length;
  const db = options.database.kysely;
  const logDoubles = await db
    .selectFrom('events')
    .select(({ fn }) => ['task_id', fn.countAll<number>().as('n')])
    .where('kind', '=', 'task.claimed')
    .where('project', '=', options.project)
    .groupBy('task_id')
    .having(({ fn }) => fn.countAll(), '>', 1)
    .execute();
  // Lost writes: an acknowledged completion that is not done in the database.
  let lost = 0;
  const ids = [...completed];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('tasks')
      .select(['id', 'status'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    lost += ids.slice(i, i + 500).length - rows.filter((r) => r.status === 'done').length;
  }
  return {
    agents: options.agents.length,
    mode: options.mode,
    replicas: options.mode === 'http' ? (options.replicas ?? 2) : 0,
    claims,
    completions: completed.size,
    seconds: round(seconds),
    claimsPerSecond: round(claims / seconds, 1),
    doubleClaims: Math.max(clientDoubles, logDoubles.length),
    lockErrors,
    lostWrites: lost,
    otherErrors,
  };
}
