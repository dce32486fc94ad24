// Two sessions of one agent racing for the same tasks through real MCP clients: two `sortie mcp` processes on one
// SQLite file (--instance i1 / i2, and generated instances), and two HTTP clients of one `sortie serve` naming
// X-Sortie-Instance (with and without a token), plus the documented default instance of clients that name none.
// Exactly one instance holds each task; the loser gets ALREADY_CLAIMED and its complete_task is refused.
// Needs `npm run build` (the processes run dist/).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from '../bench/net.js';
import { AgentClient, SORTIE_BIN } from './support/clients.js';
import { mintToken } from './support/fleet.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

const PIA = { agent: 'pia' };
const ROUNDS = 12;
const NOTE = 'Shipped in 3f2c9e1, 12/12 tests.';

let store: TestSortie;
let dbPath: string;
const clients: AgentClient[] = [];
const servers: ChildProcess[] = [];

beforeEach(async () => {
  dbPath = join(tempDir(), 'instances.db');
  store = await openTestSortie(dbPath);
  store.clock.set(Date.now());
});

afterEach(async () => {
  // Closing a stdio client ends its process; servers are stopped here on every path, failures included.
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  for (const child of servers.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await store.close();
});

async function stdioClient(agent: string, instance?: string): Promise<AgentClient> {
  const client = new Client({ name: `race-${instance ?? 'generated'}`, version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SORTIE_BIN, 'mcp', '--agent', agent, ...(instance ? ['--instance', instance] : []), '--db', dbPath],
    env: { ...(process.env as Record<string, string>), SORTIE_LOG_LEVEL: 'warn', SORTIE_INSTANCE: '' },
    stderr: 'pipe',
  });
  await client.connect(transport);
  const agentClient = new AgentClient(client, agent);
  clients.push(agentClient);
  return agentClient;
}

async function startServe(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [SORTIE_BIN, 'serve', '--port', String(port), '--db', dbPath], {
    env: { ...process.env, SORTIE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  servers.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child);
  return url;
}

async function httpClient(baseUrl: string, headers: Record<string, string>, query = ''): Promise<AgentClient> {
  const client = new Client({ name: 'race-http', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp${query}`), { requestInit: { headers } }));
  const agentClient = new AgentClient(client, headers['X-Sortie-Instance'] ?? 'default');
  clients.push(agentClient);
  return agentClient;
}

/** An executing mission whose `n` todo tasks are all assigned to `agent`. */
async function tasksFor(agent: string, n: number): Promise<string[]> {
  const m = await store.sortie.createMission(PIA, { name: `race-${agent}`, pilot: 'pia', agents: [agent] });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await store.sortie.createTask(PIA, { title: `task ${i}`, missionId: m.missionId, assignedTo: agent })).taskId);
  await store.sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
  await store.sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
  return ids;
}

/**
 * For each task, both sessions call checkout_task at once: exactly one is claimed, the other is refused naming the
 * winner's instance; the loser's complete_task is refused and the winner's is accepted. The store agrees.
 */
async function raceEveryTask(ids: string[], a: AgentClient, b: AgentClient, instanceOf: (c: AgentClient) => string): Promise<void> {
  const wins = new Map<AgentClient, number>([
    [a, 0],
    [b, 0],
  ]);
  for (const [round, taskId] of ids.entries()) {
    // Alternate who sends first, so neither side is always ahead in the race.
    const pair = round % 2 === 0 ? [a, b] : [b, a];
    const results = await Promise.all(pair.map((c) => c.raw('checkout_task', { taskId })));
    const won = results.map((r) => !r.isError);
    expect(won.filter(Boolean), `task ${round}: exactly one claim`).toHaveLength(1);
    const winner = pair[won.indexOf(true)];
    const loser = pair[won.indexOf(false)];
    wins.set(winner, (wins.get(winner) ?? 0) + 1);
    const claimed = results[won.indexOf(true)].structuredContent as { claimed: boolean; claim: { claimedByInstance: string; epoch: number } };
    expect(claimed).toMatchObject({ claimed: true, claim: { claimedByInstance: instanceOf(winner), epoch: 1 } });
    const refusal = JSON.parse((results[won.indexOf(false)].content[0] as { text: string }).text).error;
    expect(refusal.code).toBe('ALREADY_CLAIMED');
    expect(refusal.details).toMatchObject({ holderInstance: instanceOf(winner) });
    expect(refusal.message).toContain(instanceOf(winner));
    expect((await loser.refuse('complete_task', { taskId, completionNote: NOTE })).code).toBe('ALREADY_CLAIMED');
    expect((await winner.call('complete_task', { taskId, completionNote: NOTE, epoch: 1 })).status).toBe('done');
    const events = (await store.sortie.listEvents(PIA, { taskId })).items;
    expect(events.map((e) => e.kind)).toEqual(['task.created', 'task.claimed', 'task.completed']);
    expect(events[1].details).toMatchObject({ instance: instanceOf(winner) });
  }
  expect((wins.get(a) ?? 0) + (wins.get(b) ?? 0)).toBe(ids.length);
}

describe('two sortie mcp processes of one agent on one SQLite file', () => {
  it('--instance i1 and i2 race checkout_task: one claim per task, ALREADY_CLAIMED for the other, whose complete_task is refused', async () => {
    const ids = await tasksFor('alice', ROUNDS);
    const [i1, i2] = await Promise.all([stdioClient('alice', 'i1'), stdioClient('alice', 'i2')]);
    const names = new Map([
      [i1, 'i1'],
      [i2, 'i2'],
    ]);
    await raceEveryTask(ids, i1, i2, (c) => names.get(c) as string);
  });

  it('without --instance each process generates its own instance at start, so they still never share a claim', async () => {
    const [taskId] = await tasksFor('alice', 1);
    const [a, b] = await Promise.all([stdioClient('alice'), stdioClient('alice')]);
    const won = await a.call('checkout_task', { taskId });
    const instance = won.claim.claimedByInstance as string;
    expect(instance).toMatch(/^alice-[0-9a-f]{6}$/);
    const refusal = await b.refuse('checkout_task', { taskId });
    expect(refusal.code).toBe('ALREADY_CLAIMED');
    expect(refusal.details.holderInstance).toBe(instance);
    expect(refusal.details.yourInstance).toMatch(/^alice-[0-9a-f]{6}$/);
    expect(refusal.details.yourInstance).not.toBe(instance);
    // Recovery: the second session sees the task held elsewhere and takes it over; the first is then LEASE_LOST.
    const work = await b.call('my_work');
    expect(work.heldElsewhere).toMatchObject([{ taskId, instance }]);
    const taken = await b.call('checkout_task', { taskId, takeover: true });
    expect(taken.claim).toMatchObject({ claimedByInstance: refusal.details.yourInstance, epoch: 2 });
    expect((await a.refuse('heartbeat_task', { taskId })).code).toBe('LEASE_LOST');
    expect((await a.refuse('complete_task', { taskId, completionNote: NOTE })).code).toBe('LEASE_LOST');
    const kinds = (await store.sortie.listEvents(PIA, { taskId })).items.map((e) => e.kind);
    expect(kinds).toEqual(['task.created', 'task.claimed', 'task.taken_over']);
  });
});

describe('two HTTP clients of one agent on one sortie serve', () => {
  it('X-Sortie-Instance i1 and i2 race checkout_task: one claim per task, ALREADY_CLAIMED for the other, whose complete_task is refused', async () => {
    const ids = await tasksFor('alice', ROUNDS);
    const url = await startServe();
    const i1 = await httpClient(url, { 'X-Sortie-Agent': 'alice', 'X-Sortie-Instance': 'i1' });
    const i2 = await httpClient(url, { 'X-Sortie-Agent': 'alice', 'X-Sortie-Instance': 'i2' });
    await raceEveryTask(ids, i1, i2, (c) => c.agent);
  });

  it('with a token, X-Sortie-Instance alone names the instance (the token names only the agent)', async () => {
    const ids = await tasksFor('alice', 4);
    const token = await mintToken(store, 'alice', 'worker');
    const url = await startServe();
    const i1 = await httpClient(url, { Authorization: `Bearer ${token}`, 'X-Sortie-Instance': 'i1' });
    const i2 = await httpClient(url, { Authorization: `Bearer ${token}`, 'X-Sortie-Instance': 'i2' });
    await raceEveryTask(ids, i1, i2, (c) => c.agent);
  });

  it('on an open server X-Sortie-Instance names the instance also for callers that name their agent per call, and a bad one is refused', async () => {
    const [taskId] = await tasksFor('alice', 1);
    const url = await startServe();
    const i1 = await httpClient(url, { 'X-Sortie-Instance': 'i1' });
    const i2 = await httpClient(url, { 'X-Sortie-Instance': 'i2' });
    const claimed = await i1.call('checkout_task', { taskId, callerOrchestrator: 'alice' });
    expect(claimed.claim).toMatchObject({ claimedBy: 'alice', claimedByInstance: 'i1' });
    expect(await i2.refuse('checkout_task', { taskId, callerOrchestrator: 'alice' })).toMatchObject({
      code: 'ALREADY_CLAIMED',
      details: { holderInstance: 'i1' },
    });
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-sortie-instance': '<b>bad' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('VALIDATION_FAILED');
  });

  it('update_task status moves take callerInstance like the claim tools, so a per-call instance can finish what it claimed', async () => {
    const [taskId] = await tasksFor('alice', 1);
    const url = await startServe();
    const alice = await httpClient(url, { 'X-Sortie-Agent': 'alice' });
    await alice.call('checkout_task', { taskId, callerInstance: 'i1' });
    const done = await alice.call('update_task', { taskId, status: 'done', completionNote: NOTE, callerInstance: 'i1' });
    expect(done.status).toBe('done');
  });

  it("clients naming no instance are all the agent's one default instance: a second claim is a renewal, and a named instance is refused", async () => {
    const [taskId] = await tasksFor('alice', 1);
    const url = await startServe();
    const plainA = await httpClient(url, { 'X-Sortie-Agent': 'alice' });
    const plainB = await httpClient(url, { 'X-Sortie-Agent': 'alice' });
    const named = await httpClient(url, { 'X-Sortie-Agent': 'alice', 'X-Sortie-Instance': 'i1' });
    const first = await plainA.call('checkout_task', { taskId });
    expect(first.claim).toMatchObject({ claimedByInstance: null, epoch: 1 });
    const again = await plainB.call('checkout_task', { taskId });
    expect(again.claim).toMatchObject({ claimedByInstance: null, epoch: 1 });
    const refusal = await named.refuse('checkout_task', { taskId });
    expect(refusal).toMatchObject({ code: 'ALREADY_CLAIMED', details: { holderInstance: null, yourInstance: 'i1' } });
    expect((await named.refuse('complete_task', { taskId, completionNote: NOTE })).code).toBe('ALREADY_CLAIMED');
    expect((await plainB.call('complete_task', { taskId, completionNote: NOTE })).status).toBe('done');
    const kinds = (await store.sortie.listEvents(PIA, { taskId })).items.map((e) => e.kind);
    expect(kinds).toEqual(['task.created', 'task.claimed', 'task.heartbeat', 'task.completed']);
  });
});
