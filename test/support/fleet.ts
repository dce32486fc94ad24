// Fleet test helpers: `sortie serve` replicas as child processes on one shared database, token-authenticated MCP
// clients over HTTP, and a direct store on the same database for setup and for checking what was committed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, waitForHealth } from '../../bench/net.js';
import type { Actor } from '../../src/core/model.js';
import type { Role } from '../../src/core/permissions.js';
import type { Profile } from '../../src/mcp/profiles.js';
import { AgentClient, SORTIE_BIN } from './clients.js';
import { type DialectName, freshDatabaseUrl } from './dialects.js';
import { openTestSortie, type TestSortie } from './sortie.js';

/** Acts without a role: the operator at the database, as the CLI does. */
export const OPERATOR: Actor = { agent: 'operator' };

export interface FleetStore {
  url: string;
  store: TestSortie;
  dispose(): Promise<void>;
}

/** A fresh database of a shareable dialect, migrated, with a store whose clock reads real time (servers do). */
export async function openFleetStore(dialect: Exclude<DialectName, 'pglite'>): Promise<FleetStore> {
  const { url, dispose } = await freshDatabaseUrl(dialect);
  const store = await openTestSortie(url);
  store.clock.set(Date.now());
  return {
    url,
    store,
    async dispose() {
      await store.close();
      await dispose();
    },
  };
}

/** Creates a token directly in the database and returns its secret. */
export async function mintToken(store: TestSortie, agent: string, role: Role, projects?: string[]): Promise<string> {
  store.clock.set(Date.now());
  const { token } = await store.sortie.createToken(OPERATOR, { agent, role, projects });
  return token;
}

export interface Replica {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no flush, like a crashed machine. */
  kill(): Promise<void>;
}

export interface ReplicaOptions {
  sessions?: boolean;
  host?: string;
  env?: Record<string, string>;
}

/**
 * Starts `sortie serve` (needs `npm run build`) on a free port and waits for /health. A server that does not come up
 * is killed before the error reaches the caller (waitForHealth), so no failed start leaves one listening.
 */
export async function startReplica(dbUrl: string, options: ReplicaOptions = {}): Promise<Replica> {
  const port = await freePort();
  const args = [
    SORTIE_BIN,
    'serve',
    '--port',
    String(port),
    '--db',
    dbUrl,
    ...(options.host ? ['--host', options.host] : []),
    ...(options.sessions ? ['--sessions'] : []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      if (exited()) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
    async kill() {
      if (exited()) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

export interface TokenClientOptions {
  profile?: Profile;
  /** Extra headers, e.g. a contradicting X-Sortie-Agent. */
  headers?: Record<string, string>;
}

/** A real MCP SDK client on a replica, authenticated with a bearer token. */
export async function connectWithToken(baseUrl: string, token: string | null, label: string, options: TokenClientOptions = {}): Promise<AgentClient> {
  const client = new Client({ name: `fleet-${label}`, version: '1.0.0' });
  const headers: Record<string, string> = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...options.headers };
  const url = new URL(`${baseUrl}/mcp${options.profile ? `?tools=${options.profile}` : ''}`);
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return new AgentClient(client, label);
}

/** Runs fn over items with at most `width` in flight. */
export async function inParallel<T, R>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}
