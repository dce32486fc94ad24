// The built `sortie` CLI speaks CLI (issue 15): hints in its own commands and options, --json errors as JSON on
// stderr, a closed pipe ends it quietly, port and connection errors with a code and a hint, an explicit --db in a
// missing folder refused, every option described (globals in subcommand help, required ones marked), tasks named by
// their T-keys, and a log a person can read at a terminal.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { startRuntime } from '../src/runtime/runtime.js';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { runSortie } from './support/cli.js';
import { SORTIE_BIN } from './support/clients.js';
import { tempDir } from './support/sortie.js';

describe('the CLI speaks CLI', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  const dir = tempDir();
  const db = join(dir, 'speaks.db');
  const sortie = (...args: string[]) => runSortie(['--db', db, '--agent', 'pia', ...args]);

  beforeAll(async () => {
    for (const args of [
      ['mission', 'create', '--name', 'm', '--agents', 'wes'],
      ['task', 'create', '--mission', 'm', '--title', 'first'],
      ['task', 'create', '--mission', 'm', '--title', 'second', '--depends-on', 'T0'],
      ['mission', 'status', 'm', 'plan'],
      ['mission', 'status', 'm', 'execute'],
    ]) {
      const r = await sortie(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('renders hints as CLI commands and options, not MCP tools and arguments', async () => {
    const waiting = await sortie('task', 'claim', 'T1', '--mission', 'm');
    expect(waiting.code).toBe(1);
    expect(waiting.stderr).toMatch(/^error: DEPENDENCY_NOT_DONE: .*\(hint: .*sortie task list --ready, or sortie task claim --next\)\.\)\n$/);
    expect(waiting.stderr).not.toMatch(/claim_next_task|list_tasks/);
    expect((await sortie('task', 'claim', 'T0', '--mission', 'm')).code).toBe(0);
    const bare = await sortie('task', 'complete', 'T0', '--mission', 'm', '--note', 'done');
    expect(bare.stderr).toMatch(/^error: EVIDENCE_REQUIRED: /);
    expect(bare.stderr).toContain('pass --allow-no-evidence with the reason');
    expect(bare.stderr).toContain('in --note or with --evidence kind:value');
    expect(bare.stderr).not.toMatch(/allowNoEvidence|completionNote/);
  });

  it('prints a --json error as {"error":{code,message,hint}} on stderr, wherever --json is given', async () => {
    for (const args of [
      ['--json', 'task', 'claim', 'T1', '--mission', 'm'],
      ['task', 'claim', 'T1', '--mission', 'm', '--json'],
    ]) {
      const r = await sortie(...args);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const parsed = JSON.parse(r.stderr);
      expect(parsed).toEqual({
        error: { code: 'DEPENDENCY_NOT_DONE', message: expect.any(String), hint: expect.stringContaining('sortie task claim --next') },
      });
    }
    const usage = await sortie('--json', 'task', 'list', '--bogus');
    expect(JSON.parse(usage.stderr).error.code).toBe('VALIDATION_FAILED');
  });

  it('stops quietly when the reader of its output goes away (sortie events --json | head -1)', async () => {
    const full = join(dir, 'events.db');
    const runtime = await startRuntime({ db: full, logLevel: 'warn' });
    // Well over a pipe buffer (64 KiB) of events, so writes go on after the reader has closed.
    for (let i = 0; i < 400; i++) await runtime.sortie.createTask({ agent: 'pia' }, { title: `task ${i} ${'x'.repeat(150)}` });
    await runtime.stop();
    const child = spawn(process.execPath, [SORTIE_BIN, '--db', full, '--agent', 'pia', 'events', '--json', '--limit', '500'], {
      env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_DB: '', SORTIE_AGENT: '' },
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (chunk) => resolve(String(chunk))));
    expect(first).toMatch(/^\{"seq":1,/);
    child.stdout.destroy();
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });

  it('refuses a port in use with a code and a hint naming --port', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const r = await sortie('serve', '--port', String(port));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: CONFLICT: cannot listen on 127.0.0.1:${port}: the port is in use (hint: port ${port} is in use; pass --port (or set SORTIE_PORT) to use another, or stop the server holding it.)\n`,
    );
  });

  it('names a PostgreSQL server it cannot reach, password masked, with a hint', async () => {
    const r = await runSortie(['--db', 'postgres://alice:S3cr3t@127.0.0.1:1/sortie', 'mission', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: UNAVAILABLE: cannot connect to the database postgres:\/\/alice:\*\*\*@127\.0\.0\.1:1\/sortie \(ECONNREFUSED\) \(hint: .*--db/,
    );
    expect(r.stderr).not.toContain('S3cr3t');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('refuses an explicit --db or SORTIE_DB in a folder that does not exist, creating nothing; the default folder is created', async () => {
    const missing = join(dir, 'no-such-folder', 'sortie.db');
    const flag = await runSortie(['--db', missing, '--agent', 'pia', 'mission', 'list']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/^error: VALIDATION_FAILED: --db: the folder .*no-such-folder of the database .* does not exist \(hint: Correct --db/);
    const env = await runSortie(['--agent', 'pia', 'mission', 'list'], { SORTIE_DB: missing });
    expect(env.stderr).toMatch(/^error: VALIDATION_FAILED: SORTIE_DB: /);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
    const xdg = join(dir, 'xdg');
    const fresh = await runSortie(['--agent', 'pia', 'mission', 'list'], { XDG_DATA_HOME: xdg });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(existsSync(join(xdg, 'sortie', 'sortie.db'))).toBe(true);
  });

  it('describes every option of every command, and marks the required ones', () => {
    const undescribed: string[] = [];
    const unmarked: string[] = [];
    const walk = (command: Command, path: string) => {
      for (const option of command.options) {
        if (!option.description.trim()) undescribed.push(`${path} ${option.flags}`);
        if (option.mandatory && !option.description.includes('(required)')) unmarked.push(`${path} ${option.flags}`);
      }
      for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
    };
    const program = buildProgram();
    walk(program, 'sortie');
    expect(undescribed).toEqual([]);
    expect(unmarked).toEqual([]);
    expect(program.commands.length).toBeGreaterThan(5);
  });

  it('shows the global options in subcommand help, and marks required options there', async () => {
    const r = await runSortie(['task', 'complete', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Global Options:');
    expect(r.stdout).toMatch(/--db <url> +database/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('--note <text> completion note; evidence in it is parsed (required)');
  });

  it('names tasks by their T-keys, not their ids: its dependencies', async () => {
    const created = await sortie('task', 'create', '--mission', 'm', '--title', 'third', '--depends-on', 'T0,T1');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^ {2}dependsOn: T0, T1$/m);
    const shown = await sortie('task', 'show', 'T2', '--mission', 'm');
    expect(shown.stdout).toMatch(/^ {2}dependsOn: T0, T1$/m);
    expect(shown.stdout).not.toMatch(/dependsOn: .*[0-9A-Z]{26}/);
  });

  it('logs one readable line per event for a person, JSON otherwise', async () => {
    const pretty = await runSortie(['--db', join(dir, 'pretty.db'), '--agent', 'pia', 'mission', 'list'], {
      SORTIE_LOG_LEVEL: 'info',
      SORTIE_LOG_FORMAT: 'pretty',
    });
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stderr).toMatch(/^\d\d:\d\d:\d\d INFO {2}migrations applied applied=\["0001_init",.* db=\S+pretty\.db\n$/);
    const json = await runSortie(['--db', join(dir, 'json.db'), '--agent', 'pia', 'mission', 'list'], { SORTIE_LOG_LEVEL: 'info' });
    expect(JSON.parse(json.stderr)).toMatchObject({ level: 30, msg: 'migrations applied' });
  });
});
