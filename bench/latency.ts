// Tool-call latency through the MCP SDK's real Client, over stdio and HTTP, with a large database behind it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, waitForHealth } from './net.js';
import { type Summary, summarize, time } from './stats.js';

export const SORTIE_BIN = join(import.meta.dirname, '..', '..', 'bin', 'sortie.js');

export interface LatencyOptions {
  dbUrl: string;
  agent: string;
  iterations: number;
  /** Mission with 1,000 tasks for get_mission. */
  bigMissionId: string;
}

async function connect(transport: 'stdio' | 'http', options: LatencyOptions): Promise<{ client: Client; stop: () => Promise<void> }> {
  const client = new Client({ name: 'bench', version: '1' });
  const env = { ...(process.env as Record<string, string>), SORTIE_LOG_LEVEL: 'warn' };
  if (transport === 'stdio') {
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [SORTIE_BIN, 'mcp', '--agent', options.agent, '--db', options.dbUrl],
        env,
        stderr: 'ignore',
      }),
    );
    return { client, stop: () => client.close() };
  }
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [SORTIE_BIN, 'serve', '--port', String(port), '--db', options.dbUrl], { env, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, child);
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { 'x-sortie-agent': options.agent } } }));
  return {
    client,
    async stop() {
      await client.close();
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function call<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

export type LatencyResult = Record<string, Summary>;

/** Measures each tool `iterations` times after a warm-up; each sample is one full request/response. */
export async function measureLatency(transport: 'stdio' | 'http', options: LatencyOptions): Promise<LatencyResult> {
  const { client, stop } = await connect(transport, options);
  try {
    const samples: Record<string, number[]> = {
      create_task: [],
      checkout_task: [],
      complete_task: [],
      claim_next_task: [],
      'list_tasks ready': [],
      my_work: [],
      'get_mission (1,000 tasks)': [],
    };
    const warm = Math.min(20, options.iterations);
    for (let i = 0; i < options.iterations + warm; i++) {
      const record = i >= warm;
      const [tCreate, task] = await time(() =>
        call<{ taskId: string }>(client, 'create_task', { title: `latency ${i}`, project: 'bench-latency', priority: 'low' }),
      );
      const [tCheckout] = await time(() => call(client, 'checkout_task', { taskId: task.taskId }));
      const [tComplete] = await time(() => call(client, 'complete_task', { taskId: task.taskId, completionNote: `measured, commit 3f2c9e1${i}` }));
      const [tNext, next] = await time(() => call<{ task: { taskId: string } | null }>(client, 'claim_next_task', { project: 'bench' }));
      if (next.task) await call(client, 'release_task', { taskId: next.task.taskId });
      const [tReady] = await time(() => call(client, 'list_tasks', { ready: true, limit: 20 }));
      const [tWork] = await time(() => call(client, 'my_work', {}));
      const [tMission] = i % 5 === 0 || !record ? await time(() => call(client, 'get_mission', { missionId: options.bigMissionId })) : [Number.NaN];
      if (!record) continue;
      samples.create_task.push(tCreate);
      samples.checkout_task.push(tCheckout);
      samples.complete_task.push(tComplete);
      samples.claim_next_task.push(tNext);
      samples['list_tasks ready'].push(tReady);
      samples.my_work.push(tWork);
      if (!Number.isNaN(tMission)) samples['get_mission (1,000 tasks)'].push(tMission);
    }
    return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  } finally {
    await stop();
  }
}
