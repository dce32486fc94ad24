// `sortie init claude` and the Claude Code hooks, through the built CLI as a person (and Claude Code) runs them:
// the files it writes on an empty project and merged into a user's own, idempotence, refusal of broken JSON with
// nothing changed; the hooks' output and exit codes against a real SQLite file; and the work_mission prompt through
// the SDK's real client, the very text of the skill init writes.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sortie } from '../src/service/sortie.js';
import { COMMAND_TIMEOUT_MS, PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { type CliResult, runSortie } from './support/cli.js';
import { type Harness, SORTIE_BIN, startHarness } from './support/clients.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

const MCP_JSON = '.mcp.json';
const SETTINGS = join('.claude', 'settings.json');
const SKILL = join('.claude', 'skills', 'sortie', 'SKILL.md');

// biome-ignore lint/suspicious/noExplicitAny: the written JSON is read field by field
const readJson = (dir: string, file: string): any => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const snapshot = (dir: string) => [MCP_JSON, SETTINGS, SKILL].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : null));

/** `sortie init claude` run inside `dir`, as the user would. */
const init = (dir: string, ...args: string[]) => runSortie(['init', 'claude', '--dir', dir, ...args]);

/** The Sortie hook commands of a settings file, by event. */
function sortieHooks(settings: { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> }): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(settings.hooks)
      .map(([event, groups]) => [event, groups.flatMap((g) => g.hooks.map((h) => h.command).filter((c) => / hook (session-start|stop)/.test(c)))] as const)
      .filter(([, commands]) => commands.length),
  );
}

const shell = promisify(execFile);

/** A hook's command line as Claude Code runs it: through a shell, its input on stdin, to its exit. */
async function runHookCommand(command: string, input: string): Promise<CliResult> {
  try {
    const running = shell('/bin/sh', ['-c', command], {
      env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_DB: '', SORTIE_AGENT: '' },
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A command that must succeed. */
function ok(r: CliResult): string {
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('sortie init claude', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it('writes .mcp.json, the hooks and the skill into an empty project', async () => {
    const dir = tempDir();
    const out = ok(await init(dir, '--agent', 'alice', '--tools', 'worker'));
    expect(out).toContain('.mcp.json: created');

    const mcp = readJson(dir, MCP_JSON);
    expect(Object.keys(mcp.mcpServers)).toEqual(['sortie']);
    // This installation by absolute paths: the Node.js running it and its bin/sortie.js.
    expect(mcp.mcpServers.sortie).toEqual({
      type: 'stdio',
      command: process.execPath,
      args: [SORTIE_BIN, 'mcp', '--agent', 'alice', '--tools', 'worker'],
      alwaysLoad: true,
    });
    const settings = readJson(dir, SETTINGS);
    expect(Object.keys(settings.hooks)).toEqual(['SessionStart', 'Stop']);
    for (const event of ['SessionStart', 'Stop']) {
      expect(settings.hooks[event]).toHaveLength(1);
      expect(settings.hooks[event][0].hooks).toEqual([{ type: 'command', command: expect.any(String), timeout: 30 }]);
    }
    expect(settings.hooks.SessionStart[0].hooks[0].command).toBe(`${process.execPath} ${SORTIE_BIN} hook session-start --agent alice`);
    expect(settings.hooks.Stop[0].hooks[0].command).toBe(`${process.execPath} ${SORTIE_BIN} hook stop --agent alice`);

    const skill = readFileSync(join(dir, SKILL), 'utf8');
    const front = /^---\nname: sortie\ndescription: (.+)\n---\n\n/.exec(skill);
    expect(front, skill.slice(0, 300)).not.toBeNull();
    expect(front?.[1]).not.toMatch(/: /); // a plain YAML scalar: no ": " inside
    expect(skill).toContain('claim_next_task');
  });

  it('keeps the user’s servers, hooks and settings and adds Sortie’s once; a second run changes nothing', async () => {
    const dir = tempDir();
    const theirMcp = { mcpServers: { github: { type: 'http', url: 'https://api.githubcopilot.com/mcp/' } }, $comment: 'team servers' };
    const theirHooks = {
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo pre' }] }],
      Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
    };
    const theirSettings = { permissions: { allow: ['Bash(npm test)'] }, model: 'opus', hooks: theirHooks };
    writeFileSync(join(dir, MCP_JSON), JSON.stringify(theirMcp));
    mkdirSync(join(dir, '.claude'));
    writeFileSync(join(dir, SETTINGS), JSON.stringify(theirSettings));

    ok(await init(dir, '--agent', 'alice'));
    const mcp = readJson(dir, MCP_JSON);
    expect(mcp.$comment).toBe('team servers');
    expect(mcp.mcpServers.github).toEqual(theirMcp.mcpServers.github);
    expect(mcp.mcpServers.sortie).toMatchObject({ type: 'stdio', alwaysLoad: true });
    const settings = readJson(dir, SETTINGS);
    expect(settings.permissions).toEqual(theirSettings.permissions);
    expect(settings.model).toBe('opus');
    expect(settings.hooks.PreToolUse).toEqual(theirHooks.PreToolUse);
    expect(settings.hooks.Stop[0]).toEqual(theirHooks.Stop[0]);
    expect(sortieHooks(settings)).toEqual({ SessionStart: [expect.any(String)], Stop: [expect.any(String)] });

    // Twice: byte for byte the same files, and it says so.
    const before = snapshot(dir);
    const again = ok(await init(dir, '--agent', 'alice', '--json'));
    expect(JSON.parse(again).files.map((f: { change: string }) => f.change)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(snapshot(dir)).toEqual(before);

    // With other options Sortie's entries are replaced, still once each; the user's stay.
    ok(await init(dir, '--agent', 'alice', '--strict', '--db', join(dir, 'team.db')));
    const strict = readJson(dir, SETTINGS);
    const hooks = sortieHooks(strict);
    expect(hooks).toEqual({ SessionStart: [expect.any(String)], Stop: [expect.any(String)] });
    expect(hooks.Stop[0]).toMatch(/ hook stop --agent alice --db \S+team\.db --strict$/);
    expect(strict.hooks.Stop[0]).toEqual(theirHooks.Stop[0]);
    expect(strict.hooks.PreToolUse).toEqual(theirHooks.PreToolUse);
    expect(readJson(dir, MCP_JSON).mcpServers.sortie.args).toEqual([SORTIE_BIN, 'mcp', '--agent', 'alice', '--tools', 'full', '--db', join(dir, 'team.db')]);
    expect(readJson(dir, MCP_JSON).mcpServers.github).toEqual(theirMcp.mcpServers.github);
  });

  it('refuses an existing file that is not valid JSON and changes nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, MCP_JSON), '{ "mcpServers": { "github": ');
    const before = snapshot(dir);
    const r = await init(dir, '--agent', 'alice');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: VALIDATION_FAILED: \.mcp\.json: not valid JSON .*nothing was written/);
    expect(snapshot(dir)).toEqual(before);

    // A broken settings file refuses the whole run too: the valid .mcp.json is left as it was.
    const other = tempDir();
    writeFileSync(join(other, MCP_JSON), '{"mcpServers":{}}');
    mkdirSync(join(other, '.claude'));
    writeFileSync(join(other, SETTINGS), '{"hooks": {"Stop": {"command": "x"}}}');
    const shape = snapshot(other);
    const refused = await init(other, '--agent', 'alice');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^error: VALIDATION_FAILED: \.claude\/settings\.json: "hooks\.Stop" is not a list/);
    expect(snapshot(other)).toEqual(shape);
  });

  it('--url writes the HTTP form with the bearer token from the environment; --npx starts `npx sortie`', async () => {
    const dir = tempDir();
    const out = ok(await init(dir, '--agent', 'alice', '--url', 'http://127.0.0.1:7420', '--tools', 'worker'));
    expect(out).toContain('SORTIE_TOKEN is not set here');
    expect(readJson(dir, MCP_JSON).mcpServers.sortie).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:7420/mcp',
      // Claude Code expands ${SORTIE_TOKEN} from its environment when it starts the server.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal placeholder is what is written
      headers: { Authorization: 'Bearer ${SORTIE_TOKEN}', 'X-Sortie-Agent': 'alice', 'X-Sortie-Tools': 'worker' },
      alwaysLoad: true,
    });
    const hooks = sortieHooks(readJson(dir, SETTINGS));
    expect(hooks.SessionStart[0]).toMatch(/ hook session-start --agent alice --url http:\/\/127\.0\.0\.1:7420\/mcp$/);

    ok(await init(dir, '--agent', 'alice', '--url', 'http://127.0.0.1:7420/mcp', '--no-token'));
    expect(readJson(dir, MCP_JSON).mcpServers.sortie.headers).toEqual({ 'X-Sortie-Agent': 'alice', 'X-Sortie-Tools': 'full' });

    const npx = tempDir();
    ok(await init(npx, '--agent', 'bob', '--npx'));
    expect(readJson(npx, MCP_JSON).mcpServers.sortie).toMatchObject({ command: 'npx', args: ['sortie', 'mcp', '--agent', 'bob', '--tools', 'full'] });
    expect(sortieHooks(readJson(npx, SETTINGS)).Stop).toEqual(['npx sortie hook stop --agent bob']);
  });

  it('refuses a bad URL or no agent, writing nothing', async () => {
    const dir = tempDir();
    const noAgent = await init(dir);
    expect(noAgent.stderr).toMatch(/^error: VALIDATION_FAILED: agent: /);
    const badUrl = await init(dir, '--agent', 'alice', '--url', 'ftp://example.com');
    expect(badUrl.stderr).toMatch(/^error: VALIDATION_FAILED: url: /);
    expect(snapshot(dir)).toEqual([null, null, null]);
  });
});

describe('sortie hook session-start | stop', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let store: TestSortie;
  let sortie: Sortie;
  let db: string;
  let held: { taskId: string };
  let unread: number;

  const hook = (name: 'session-start' | 'stop', agent: string, input: string, ...args: string[]) =>
    runSortie(['hook', name, '--agent', agent, '--db', db, ...args], {}, input);

  beforeAll(async () => {
    db = join(tempDir(), 'hooks.db');
    store = await openTestSortie(db);
    // The CLI reads leases against the wall clock: take them now.
    store.clock.set(Date.now());
    sortie = store.sortie;
    const pia = { agent: 'pia' };
    const mission = await sortie.createMission(pia, { name: 'parser', pilot: 'pia', agents: ['alice', 'bob'], status: 'plan' });
    const m = mission.missionId;
    await sortie.createTask(pia, { missionId: m, title: 'write the parser', assignedTo: 'alice' });
    await sortie.createTask(pia, { missionId: m, title: 'wire the API', assignedTo: 'alice' });
    await sortie.createTask(pia, { missionId: m, title: 'review the grammar', assignedTo: 'bob' });
    await sortie.createTask(pia, { missionId: m, title: 'update the docs' });
    await sortie.moveMission(pia, { missionId: m, status: 'execute' });
    // alice holds T0 through her MCP session; T1 waits on bob's T2.
    const alice = { agent: 'alice', instance: 'alice-s1' };
    held = await sortie.checkoutTask(alice, { taskId: 'T0', missionId: m });
    await sortie.checkoutTask({ agent: 'bob' }, { taskId: 'T2', missionId: m });
    // One task in progress per session and project: T1 is worked (and blocked) from another session of alice.
    const other = { agent: 'alice', instance: 'alice-s2' };
    await sortie.checkoutTask(other, { taskId: 'T1', missionId: m });
    await sortie.blockTask(other, { taskId: 'T1', missionId: m, blockedOnTaskId: 'T2' });
    await sortie.sendMessage(pia, { to: 'alice', text: 'the grammar changed, see #12', missionId: m });
    unread = (await sortie.myWork({ agent: 'alice' }, {})).inbox.unread;
    expect(unread).toBeGreaterThan(0);
  });
  afterAll(() => store?.close());

  it('session-start prints the held task with its lease, what is ready and blocked, and the unread count', async () => {
    const r = await hook('session-start', 'alice', '{"hook_event_name":"SessionStart","source":"startup"}');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('agent alice');
    expect(r.stdout).toMatch(new RegExp(`T0 "write the parser" \\(${held.taskId}\\), lease until \\S+Z, claimed by session alice-s1`));
    expect(r.stdout).toContain('takeover: true');
    expect(r.stdout).toMatch(/Ready for you: 1 \(T3 "update the docs"/);
    expect(r.stdout).toMatch(/Blocked: T1 "wire the API" .* waits on T2 .*\[in_progress\]/);
    expect(r.stdout).toContain(`Unread messages: ${unread}.`);
    // Short: it is paid for in the agent's context.
    expect(r.stdout.length).toBeLessThan(1500);
  });

  it('stop reminds while a task is held (exit 0), and --strict blocks once — never when stop_hook_active', async () => {
    const reminder = await hook('stop', 'alice', '{"hook_event_name":"Stop","stop_hook_active":false}');
    expect(reminder.code, reminder.stderr).toBe(0);
    const said = JSON.parse(reminder.stdout);
    expect(Object.keys(said)).toEqual(['systemMessage']);
    expect(said.systemMessage).toContain(`T0 "write the parser" (${held.taskId})`);
    expect(said.systemMessage).toMatch(/complete_task.*release_task.*block_task.*pause_task/);
    // The blocked task is not "in progress": it is not named.
    expect(said.systemMessage).not.toContain('wire the API');

    const strict = await hook('stop', 'alice', '{"hook_event_name":"Stop","stop_hook_active":false}', '--strict');
    expect(strict.code, strict.stderr).toBe(0);
    const refused = JSON.parse(strict.stdout);
    expect(refused).toEqual({ decision: 'block', reason: expect.stringContaining(`T0 "write the parser" (${held.taskId})`) });

    // Already continued once by a Stop hook: blocking again would loop the agent.
    const again = await hook('stop', 'alice', '{"hook_event_name":"Stop","stop_hook_active":true}', '--strict');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).not.toHaveProperty('decision');
  });

  it('stop is silent for an agent holding nothing', async () => {
    const r = await hook('stop', 'dana', '{"stop_hook_active":false}', '--strict');
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it('a database that cannot be opened gives a one-line note and exit 0', async () => {
    const broken = join(tempDir(), 'not-a-dir');
    writeFileSync(broken, 'a file');
    for (const name of ['session-start', 'stop'] as const) {
      const r = await runSortie(['hook', name, '--agent', 'alice', '--db', join(broken, 'x.db'), ...(name === 'stop' ? ['--strict'] : [])], {}, '{}');
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(name === 'stop' ? /^\{"systemMessage":"Sortie: could not check/ : /^Sortie: could not read your work/);
    }
  });

  it('the hook commands init writes run as Claude Code runs them', async () => {
    const dir = tempDir();
    ok(await init(dir, '--agent', 'alice', '--db', db, '--strict'));
    const {
      SessionStart: [start],
      Stop: [stop],
    } = sortieHooks(readJson(dir, SETTINGS));
    const started = await runHookCommand(start, '{"hook_event_name":"SessionStart"}');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('T0 "write the parser"');
    const stopped = await runHookCommand(stop, '{"hook_event_name":"Stop","stop_hook_active":false}');
    expect(JSON.parse(stopped.stdout)).toMatchObject({ decision: 'block' });
  });
});

describe.each(['stdio', 'http'] as const)('the work_mission prompt over %s', { timeout: PROCESS_TEST_TIMEOUT_MS }, (transport) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(transport, join(tempDir(), 'prompt.db'));
  }, PROCESS_TEST_TIMEOUT_MS);
  afterAll(() => harness?.close());

  it('is listed, and is the text of the skill init writes; a missionId names the mission first', async () => {
    const alice = await harness.connect('alice', 'worker');
    const { prompts } = await alice.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['work_mission']);
    expect(prompts[0].arguments).toEqual([expect.objectContaining({ name: 'missionId', required: false })]);

    const guide = await alice.client.getPrompt({ name: 'work_mission' });
    expect(guide.messages).toHaveLength(1);
    const text = (guide.messages[0].content as { type: string; text: string }).text;

    const dir = tempDir();
    ok(await init(dir, '--agent', 'alice'));
    const skill = readFileSync(join(dir, SKILL), 'utf8');
    expect(skill.replace(/^---\n[\s\S]*?\n---\n\n/, '')).toBe(text);
    // About 40 lines: it costs context.
    expect(text.split('\n').length).toBeLessThanOrEqual(45);

    const forMission = await alice.client.getPrompt({ name: 'work_mission', arguments: { missionId: 'parser' } });
    const named = (forMission.messages[0].content as { text: string }).text;
    expect(named.startsWith('Your mission: parser.')).toBe(true);
    expect(named.endsWith(text)).toBe(true);
  });
});
