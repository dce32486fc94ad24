// Real MCP clients over every transport: in-memory, spawned stdio (`sortie mcp`), and HTTP (`sortie serve`).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { freePort, waitForHealth } from '../../bench/net.js';
import type { Profile } from '../../src/mcp/profiles.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { openTestSortie, silentLogger, type TestSortie } from './sortie.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const SORTIE_BIN = join(REPO, 'bin', 'sortie.js');

export type TransportName = 'memory' | 'stdio' | 'http';
export const TRANSPORTS: TransportName[] = ['memory', 'stdio', 'http'];

export interface ToolError {
  code: string;
  message: string;
  hint: string;
  details: Record<string, unknown>;
}

/** A connected client acting as one agent, with helpers that unwrap results and refusals. */
export class AgentClient {
  constructor(
    readonly client: Client,
    readonly agent: string,
  ) {}

  async raw(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return (await this.client.callTool({ name, arguments: args })) as CallToolResult;
  }

  /** Calls a tool and returns its structuredContent; throws with the refusal if it was refused. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read tool output loosely by default and assert each field they use; pass T for a typed result.
  async call<T = Record<string, any>>(name: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await this.raw(name, args);
    if (result.isError) {
      const text = (result.content[0] as { text: string }).text;
      throw Object.assign(new Error(text), { tool: parseError(result) });
    }
    return result.structuredContent as T;
  }

  /** Calls a tool that must be refused and returns the refusal (code, message, hint). */
  async refuse(name: string, args: Record<string, unknown> = {}): Promise<ToolError> {
    const result = await this.raw(name, args);
    if (!result.isError) throw new Error(`${name} was expected to be refused but returned ${JSON.stringify(result.structuredContent)}`);
    if (result.structuredContent !== undefined) throw new Error('a refusal must not carry structuredContent');
    return parseError(result);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function parseError(result: CallToolResult): ToolError {
  const text = (result.content[0] as { text: string }).text;
  return JSON.parse(text).error as ToolError;
}

/** A Sortie instance reachable over one transport; `connect` opens a client for an agent. */
export interface Harness {
  transport: TransportName;
  dbPath: string;
  /** Direct service access to the same database (for setup and for checking what was stored). */
  store: TestSortie;
  connect(agent: string, profile?: Profile): Promise<AgentClient>;
  close(): Promise<void>;
}

export async function startHarness(transport: TransportName, dbPath: string, env: Record<string, string> = {}): Promise<Harness> {
  const store = await openTestSortie(dbPath);
  const clients: AgentClient[] = [];
  const children: ChildProcess[] = [];
  let baseUrl = '';
  if (transport === 'http') {
    const port = await freePort();
    const child = spawn(process.execPath, [SORTIE_BIN, 'serve', '--port', String(port), '--db', dbPath], {
      env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(baseUrl, child);
  }
  const connect = async (agent: string, profile: Profile = 'full') => {
    const client = new Client({ name: `test-${agent}`, version: '1.0.0' });
    if (transport === 'memory') {
      const [a, b] = InMemoryTransport.createLinkedPair();
      const { server } = createMcpServer({ sortie: store.sortie, logger: silentLogger, identity: { agent }, profile });
      await server.connect(b);
      await client.connect(a);
    } else if (transport === 'stdio') {
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [SORTIE_BIN, 'mcp', '--agent', agent, '--tools', profile, '--db', dbPath],
          env: { ...(process.env as Record<string, string>), SORTIE_LOG_LEVEL: 'warn', ...env },
          stderr: 'pipe',
        }),
      );
    } else {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp?agent=${encodeURIComponent(agent)}&tools=${profile}`)));
    }
    const agentClient = new AgentClient(client, agent);
    clients.push(agentClient);
    return agentClient;
  };
  return {
    transport,
    dbPath,
    store,
    connect,
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      for (const child of children) {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
      await store.close();
    },
  };
}
