// The edges of the MCP surface, over each real transport a client meets (spawned `sortie mcp`, `sortie serve`
// stateless and with --sessions; needs `npm run build`): what the server declares it can do, what resources/list
// shows, how a tool outside the connection's profile is refused, and hints worded for the transport.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from '../bench/net.js';
import type { Profile } from '../src/mcp/profiles.js';
import { AgentClient, SORTIE_BIN } from './support/clients.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

type Mode = 'stdio' | 'http' | 'http --sessions';
const MODES: Mode[] = ['stdio', 'http', 'http --sessions'];

interface Server {
  /** A client for `agent` (none: a connection without identity) with the given tool profile. */
  connect(agent: string | undefined, profile?: Profile): Promise<AgentClient>;
  close(): Promise<void>;
}

async function startServer(mode: Mode, dbPath: string): Promise<Server> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), SORTIE_LOG_LEVEL: 'warn' };
  const clients: AgentClient[] = [];
  let child: ChildProcess | undefined;
  let baseUrl = '';
  if (mode !== 'stdio') {
    const port = await freePort();
    const args = [SORTIE_BIN, 'serve', '--port', String(port), '--db', dbPath, ...(mode === 'http --sessions' ? ['--sessions'] : [])];
    child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(baseUrl, child);
  }
  return {
    async connect(agent, profile = 'full') {
      const client = new Client({ name: `edges-${agent ?? 'nobody'}`, version: '1.0.0' });
      if (mode === 'stdio') {
        const args = [SORTIE_BIN, 'mcp', ...(agent ? ['--agent', agent] : []), '--tools', profile, '--db', dbPath];
        // No --agent and no SORTIE_AGENT: the connection has no identity.
        const { SORTIE_AGENT: _, ...rest } = env;
        await client.connect(new StdioClientTransport({ command: process.execPath, args, env: rest, stderr: 'pipe' }));
      } else {
        const query = new URLSearchParams({ tools: profile, ...(agent ? { agent } : {}) });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp?${query}`)));
      }
      const agentClient = new AgentClient(client, agent ?? 'nobody');
      clients.push(agentClient);
      return agentClient;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      if (child) {
        child.kill('SIGTERM');
        if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      }
    },
  };
}

describe.each(MODES)('MCP edges over %s', (mode) => {
  const http = mode !== 'stdio';
  let store: TestSortie;
  let server: Server;
  const missions: Record<string, string> = {};

  beforeAll(async () => {
    const dbPath = join(tempDir('sortie-edges-'), 'sortie.db');
    store = await openTestSortie(dbPath);
    const s = store.sortie;
    // alice pilots one open mission and works on another; bob's own mission and alice's cancelled one are not hers.
    missions.piloted = (await s.createMission({ agent: 'alice' }, { name: 'alice pilots', pilot: 'alice', description: 'ship it' })).missionId;
    missions.member = (await s.createMission({ agent: 'bob' }, { name: 'alice works on', pilot: 'bob', agents: ['alice'] })).missionId;
    missions.other = (await s.createMission({ agent: 'bob' }, { name: 'bob alone', pilot: 'bob' })).missionId;
    missions.cancelled = (await s.createMission({ agent: 'alice' }, { name: 'alice dropped', pilot: 'alice' })).missionId;
    await s.moveMission({ agent: 'alice' }, { missionId: missions.cancelled, status: 'cancelled', reason: 'not needed' });
    server = await startServer(mode, dbPath);
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
  });

  it('declares only what works in this mode: subscriptions where notifications can arrive, no logging', async () => {
    const alice = await server.connect('alice');
    const capabilities = alice.client.getServerCapabilities();
    expect(capabilities?.tools).toBeDefined();
    expect(capabilities?.prompts).toBeDefined();
    expect(capabilities?.resources).toBeDefined();
    expect(capabilities?.logging).toBeUndefined();
    const uri = `sortie://missions/${missions.piloted}`;
    if (mode === 'http') {
      expect(capabilities?.resources?.subscribe).toBeFalsy();
      await expect(alice.client.subscribeResource({ uri })).rejects.toThrow(/-32601|not found/i);
    } else {
      expect(capabilities?.resources?.subscribe).toBe(true);
      await expect(alice.client.subscribeResource({ uri })).resolves.toBeDefined();
    }
  });

  it("lists the caller's open missions as resources, with names and descriptions", async () => {
    const alice = await server.connect('alice');
    const { resources } = await alice.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([`sortie://missions/${missions.member}`, `sortie://missions/${missions.piloted}`]);
    expect(resources.map((r) => r.name)).toEqual(['alice works on', 'alice pilots']);
    for (const r of resources) {
      expect(r.mimeType).toBe('application/json');
      expect(r.description).toMatch(/^brainstorm · .+ · pilot (alice|bob)$/);
    }
    // Each listed resource reads.
    const read = await alice.client.readResource({ uri: resources[1].uri });
    expect(JSON.parse((read.contents[0] as { text: string }).text).name).toBe('alice pilots');
  });

  it('refuses a tool outside the profile in the documented shape, naming the profile that carries it', async () => {
    const worker = await server.connect('alice', 'worker');
    const result = await worker.raw('create_mission', { name: 'x', pilot: 'alice' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const error = await worker.refuse('create_mission', { name: 'x', pilot: 'alice' });
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('create_mission');
    expect(error.hint).toContain('pilot');
    if (http) {
      expect(error.hint).toContain('?tools=pilot');
      expect(error.hint).not.toContain('--tools');
    } else {
      expect(error.hint).toContain('--tools pilot');
      expect(error.hint).not.toContain('?tools=');
    }
    // Nothing was created.
    expect((await store.sortie.listMissions({ agent: 'alice' }, { status: 'all', limit: 50 })).items.map((m) => m.name)).not.toContain('x');
  });

  it('refuses a tool no profile has in the same shape, pointing at tools/list', async () => {
    const alice = await server.connect('alice');
    const error = await alice.refuse('no_such_tool', {});
    expect(error.code).toBe('NOT_FOUND');
    expect(error.hint).toContain('tools/list');
  });

  it('words the missing-identity hint for the transport: the header over HTTP, the flag over stdio', async () => {
    const nobody = await server.connect(undefined);
    const error = await nobody.refuse('create_mission', { name: 'anonymous mission', pilot: 'alice' });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.hint).toContain('callerOrchestrator');
    if (http) {
      expect(error.hint).toContain('X-Sortie-Agent');
      expect(error.hint).toContain('?agent=');
      expect(error.hint).not.toContain('--agent');
    } else {
      expect(error.hint).toContain('--agent');
      expect(error.hint).not.toContain('X-Sortie-Agent');
    }
  });
});
