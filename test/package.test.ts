// The package as a user gets it: `npm pack` of this checkout (its built dist/), installed into an empty project,
// then the installed `sortie` command — `--version`, `sortie mcp` through the SDK's real Client, `sortie serve` and
// its /health and dashboard — and a signal to `npx sortie serve` stopping the server with its launcher.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from '../bench/net.js';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { REPO } from './support/clients.js';
import { markedSortieProcesses } from './support/global-setup.js';
import { tempDir } from './support/sortie.js';

const run = promisify(execFile);
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** Marks every process this file starts, so the check after each stop finds exactly ours. */
const MARK_NAME = 'SORTIE_PACKAGE_TEST';
const MARK_VALUE = `${process.pid}-${Date.now()}`;
const env = { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_AGENT: 'probe', [MARK_NAME]: MARK_VALUE };

let project: string;
let packed: string[];
let bin: string;
const children: ChildProcess[] = [];

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves once nothing listens on the port any more: binding it succeeds. */
async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Polls until no process of this file is left (or the deadline passes) and returns what is left. */
async function leftovers(deadlineMs = 30_000): Promise<string[]> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const left = markedSortieProcesses(`${MARK_NAME}=${MARK_VALUE}`).map((p) => `${p.pid} ${p.command}`);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const dir = tempDir('sortie-package-');
  // --ignore-scripts: pack the dist/ the suite built (`npm test` builds first) instead of building again here.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO, env });
  const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = info.files.map((f) => f.path);
  project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', private: true }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info.filename)], { cwd: project, env });
  bin = join(project, 'node_modules', '.bin', 'sortie');
}, PROCESS_TEST_TIMEOUT_MS);

afterAll(async () => {
  for (const child of children) {
    if (!exited(child)) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  // A server left behind by a launcher that was killed (what the npx tests look for) is killed too.
  for (const { pid } of markedSortieProcesses(`${MARK_NAME}=${MARK_VALUE}`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
});

/** Starts a server process and waits for its /health; the caller stops it. */
async function startServe(command: string, args: string[], port: number, options: { detached?: boolean } = {}): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: project, env, stdio: ['ignore', 'ignore', 'pipe'], detached: options.detached });
  children.push(child);
  await waitForHealth(`http://127.0.0.1:${port}`, child);
  return child;
}

describe('the packed package', () => {
  it('ships what a user runs, without source maps, benchmarks or tests', () => {
    expect(packed).toContain('bin/sortie.js');
    expect(packed).toContain('dist/src/cli/main.js');
    expect(packed).toContain('web/index.html');
    expect(packed).toContain('templates/generic.json');
    expect(packed).toContain('README.md');
    expect(packed.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(packed.filter((p) => p.includes('bench/'))).toEqual([]);
    expect(packed.filter((p) => p.endsWith('.test.js') || p.startsWith('test/') || p.startsWith('src/'))).toEqual([]);
  });

  it(
    'installed from the tarball: sortie --version, sortie mcp over stdio and sortie serve work',
    async () => {
      const { stdout } = await run(bin, ['--version'], { cwd: project, env });
      expect(stdout.trim()).toBe(version);

      const client = new Client({ name: 'package-test', version: '1.0.0' });
      const transport = new StdioClientTransport({ command: bin, args: ['mcp', '--db', join(project, 'mcp.db')], cwd: project, env, stderr: 'ignore' });
      try {
        await client.connect(transport);
        expect(client.getServerVersion()?.name).toMatch(/sortie/i);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('claim_next_task');
      } finally {
        await client.close();
      }

      const port = await freePort();
      const server = await startServe(bin, ['serve', '--port', String(port), '--db', join(project, 'serve.db')], port);
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok', version });
      // The dashboard and the browser libraries it resolves from the installed dependencies.
      expect((await fetch(`${base}/`)).status).toBe(200);
      expect((await fetch(`${base}/vendor/dagre.js`)).status).toBe(200);
      server.kill('SIGTERM');
      const [code] = await once(server, 'exit');
      expect(code).toBe(0);
      expect(await portIsFree(port)).toBe(true);
      expect(await leftovers()).toEqual([]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  // SIGTERM to npm's own process is `kill <pid of npx>`; SIGINT to its process group is Ctrl+C in a terminal.
  for (const [signal, target] of [
    ['SIGTERM', 'the launcher'],
    ['SIGINT', 'its process group'],
  ] as const) {
    it(
      `${signal} to ${target} of \`npx sortie serve\` stops the server`,
      async () => {
        const port = await freePort();
        const args = ['--no-install', 'sortie', 'serve', '--port', String(port), '--db', join(project, `npx-${signal}.db`)];
        const launcher = await startServe('npx', args, port, { detached: target === 'its process group' });
        const pid = launcher.pid as number;
        if (target === 'its process group') process.kill(-pid, signal);
        else launcher.kill(signal);
        await once(launcher, 'exit');
        // npm runs the command under `sh -c`: whatever npm does with the signal, nothing may keep the port.
        expect(await leftovers()).toEqual([]);
        expect(await portIsFree(port)).toBe(true);
      },
      PROCESS_TEST_TIMEOUT_MS,
    );
  }
});
