// What the dashboard's browser tests share: a real `sortie serve` on a SQLite file, MCP agents talking to it over
// HTTP, and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Browser, chromium } from 'playwright-core';
import { freePort, waitForHealth } from '../../bench/net.js';
import { AgentClient, REPO, SORTIE_BIN } from './clients.js';

export const CHROMIUM = process.env.SORTIE_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test-artifacts');

export interface DashboardServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `sortie serve` from dist/ on a free port; a server that does not become healthy is killed before this throws. */
export async function startServer(dbPath: string): Promise<DashboardServer> {
  if (!existsSync(join(REPO, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the end-to-end tests');
  const port = await freePort();
  const child = spawn(process.execPath, [SORTIE_BIN, 'serve', '--port', String(port), '--db', dbPath], {
    env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_AGENT: 'operator' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child);
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** An MCP client acting as `name` over the server's streamable HTTP endpoint. */
export async function agent(url: string, name: string): Promise<AgentClient> {
  const client = new Client({ name: `e2e-${name}`, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp?agent=${name}`)));
  return new AgentClient(client, name);
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
