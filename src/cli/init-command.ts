// `sortie init claude` wires a project for Claude Code (the sortie MCP server, the hooks, the agent guide as a
// skill), and `sortie hook session-start|stop` are the hooks it installs. See docs/claude-code.md.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { DomainError, toDomainError, validationFailed } from '../core/errors.js';
import { assertAgentName } from '../core/identity.js';
import { maskCredentials } from '../db/mask-credentials.js';
import { skillMarkdown } from '../mcp/agent-guide.js';
import { PROFILES, type Profile } from '../mcp/profiles.js';
import { createLogger, startRuntime } from '../runtime/runtime.js';
import {
  type Change,
  type ClaudeSetup,
  hookCommand,
  mergeMcpJson,
  mergeSettings,
  parseJsonObject,
  serverEntry,
  shellWord,
  TOKEN_VARIABLE,
} from './claude-config.js';
import { globalOptions, print } from './common.js';
import { heldInProgress, sessionSummary, stopText, WORK_LIMIT, WorkView } from './hook-summary.js';

/** The files init writes, relative to the project directory. */
const MCP_JSON = '.mcp.json';
const SETTINGS = join('.claude', 'settings.json');
const SKILL = join('.claude', 'skills', 'sortie', 'SKILL.md');

/**
 * How the files start Sortie. By default this installation itself, by absolute paths: the Node.js running now (the
 * one better-sqlite3 was built for) and this package's bin/sortie.js, which works the same from a clone of Sortie
 * and from an installed package. `npx sortie` only resolves in a project that depends on sortie, so it is opt-in.
 */
function thisSortie(npx: boolean): string[] {
  if (npx) return ['npx', 'sortie'];
  const bin = fileURLToPath(new URL('../../../bin/sortie.js', import.meta.url));
  return [process.execPath, existsSync(bin) ? bin : resolve(process.argv[1] ?? 'bin/sortie.js')];
}

/** A database location as the files should name it: a URL unchanged, a file path made absolute. */
function databaseLocation(db: string | undefined): string | undefined {
  if (!db) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(db) ? db : resolve(db);
}

/** The MCP endpoint of a `sortie serve` URL: `http://host:7420` and `…/mcp` both give `…/mcp`. */
function mcpEndpoint(raw: string): string {
  const hint = 'Give the URL sortie serve listens on, e.g. --url http://127.0.0.1:7420 (…/mcp is added).';
  if (!URL.canParse(raw)) throw validationFailed('url', `"${raw.slice(0, 80)}" is not a URL`, hint);
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw validationFailed('url', `${url.protocol} is not http: or https:`, hint);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/mcp') ? path : `${path}/mcp`;
  return url.toString();
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Replaces a file whole (write a sibling, then rename), so a crash never leaves half a settings file. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.sortie-${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

interface InitOptions {
  tools: Profile;
  url?: string;
  token: boolean;
  strict?: boolean;
  npx?: boolean;
  dir?: string;
}

async function initClaude(o: InitOptions, cmd: Command): Promise<void> {
  const opts = globalOptions(cmd);
  const name = opts.agent ?? process.env.SORTIE_AGENT;
  if (!name) throw validationFailed('agent', 'name the agent this project runs as', 'Pass --agent NAME, e.g. sortie init claude --agent alice.');
  const dir = resolve(o.dir ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw validationFailed('dir', `${dir} is not a directory`, 'Pass --dir with an existing project directory, or run init inside it.');
  }
  if (o.url && opts.db) throw validationFailed('db', '--db and --url exclude each other', 'With --url the server at that URL owns the database; drop --db.');
  const setup: ClaudeSetup = {
    agent: assertAgentName(name),
    tools: o.tools,
    launcher: thisSortie(o.npx === true),
    url: o.url ? mcpEndpoint(o.url) : undefined,
    token: o.token,
    db: databaseLocation(opts.db),
    strict: o.strict === true,
  };
  // Everything is read and merged before anything is written: a refused file leaves every file as it was.
  const entry = serverEntry(setup);
  const commands = { SessionStart: hookCommand(setup, 'SessionStart'), Stop: hookCommand(setup, 'Stop') };
  const mcp = mergeMcpJson(parseJsonObject(MCP_JSON, readIfExists(join(dir, MCP_JSON))), entry);
  const settings = mergeSettings(parseJsonObject(SETTINGS, readIfExists(join(dir, SETTINGS))), commands);
  const skillBefore = readIfExists(join(dir, SKILL));
  const skill = skillMarkdown();
  const files: Array<{ path: string; change: Change }> = [
    { path: MCP_JSON, change: mcp.change },
    { path: SETTINGS, change: settings.change },
    { path: SKILL, change: skillBefore === undefined ? 'created' : skillBefore === skill ? 'unchanged' : 'replaced' },
  ];
  const texts = [jsonText(mcp.value), jsonText(settings.value), skill];
  files.forEach((file, i) => {
    if (file.change !== 'unchanged') writeAtomically(join(dir, file.path), texts[i]);
  });

  const warnings: string[] = [];
  if (setup.launcher[1]?.includes('/_npx/')) {
    warnings.push(`this Sortie runs from npx's cache (${setup.launcher[1]}), which npm may clear: install sortie (npm install -g sortie) and run init again.`);
  }
  if (setup.url && setup.token && !process.env[TOKEN_VARIABLE]) {
    warnings.push(
      `${TOKEN_VARIABLE} is not set here. Claude Code leaves out a server whose \${${TOKEN_VARIABLE}} is unset: export it (a token from sortie token create) before starting claude, or run init with --no-token for an open loopback server.`,
    );
  }
  if (setup.db && maskCredentials(setup.db) !== setup.db) {
    warnings.push(
      'the database URL carries a password, now written in .mcp.json and .claude/settings.json: keep them out of git, or set SORTIE_DB instead of --db.',
    );
  }
  const result = { dir, agent: setup.agent, files, server: entry, hooks: commands, warnings };
  print(opts, result, () =>
    [
      `Sortie is wired into ${dir} for agent ${setup.agent}:`,
      ...files.map((f) => `  ${f.path}: ${f.change}`),
      '',
      `The "sortie" server of ${MCP_JSON}:`,
      JSON.stringify(entry, null, 2).replace(/^/gm, '  '),
      '',
      `Hooks in ${SETTINGS}:`,
      `  SessionStart: ${commands.SessionStart}`,
      `  Stop: ${commands.Stop}`,
      '',
      `The skill ${SKILL} is the agent guide (the same text as the work_mission prompt).`,
      ...warnings.map((w) => `warning: ${w}`),
      'Start claude in this directory and approve the project server "sortie" when asked; /mcp shows it connected.',
    ].join('\n'),
  );
}

/** How long a hook waits for the database or the server before it gives up with a note (Claude Code waits 30 s). */
const HOOK_DEADLINE_MS = 10_000;

function withDeadline<T>(work: Promise<T>, ms = HOOK_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DomainError('UNAVAILABLE', `no answer within ${ms / 1000} s`, 'Check the database or the server.')), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

interface HookOptions {
  url?: string;
  strict?: boolean;
}

/** The agent's my_work: from the server at --url (the agent's own MCP endpoint), else from the database. */
async function readWork(agent: string, db: string | undefined, url: string | undefined): Promise<WorkView> {
  if (url) {
    const { callRemoteTool } = await import('../mcp/remote.js');
    const token = process.env[TOKEN_VARIABLE];
    const headers: Record<string, string> = { 'X-Sortie-Agent': agent, ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    // With a limit, the tool lists as many as the database read does (without one it shows a few of each).
    return WorkView.parse(await callRemoteTool({ url: mcpEndpoint(url), headers, tool: 'my_work', args: { limit: WORK_LIMIT } }));
  }
  const runtime = await startRuntime({ db, logger: createLogger('silent') });
  try {
    return WorkView.parse(await runtime.sortie.myWork({ agent }, { limit: WORK_LIMIT }));
  } finally {
    await runtime.stop();
  }
}

/** One line saying why a hook could not look, never quoting a password. */
function failureNote(error: unknown): string {
  const domain = toDomainError(error);
  // An INTERNAL error's message is generic (it is meant for remote callers); here the cause is what helps.
  const message = domain.code === 'INTERNAL' && error instanceof Error ? error.message : domain.message;
  return maskCredentials(`${domain.code}: ${message}`).replace(/\s+/g, ' ').slice(0, 300);
}

/** Claude Code sends a hook its input as one JSON object on stdin; nothing (or no JSON) reads as {}. */
async function hookInput(): Promise<Record<string, unknown>> {
  if (process.stdin.isTTY) return {};
  const chunks: Buffer[] = [];
  const read = new Promise<void>((done) => {
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', done);
    process.stdin.on('error', () => done());
  });
  // Claude Code closes stdin after writing; a caller that never does must not hang the hook.
  await Promise.race([read, new Promise((done) => setTimeout(done, 2000).unref())]);
  process.stdin.pause();
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

const emit = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/**
 * Runs a hook so that it never breaks the session: whatever fails becomes the note `onFailure` prints, exit 0.
 * Exits explicitly, since a database or server that never answers may still hold the event loop.
 */
async function runHook(cmd: Command, body: (agent: string, db: string | undefined) => Promise<void>, onFailure: (note: string) => string) {
  const opts = globalOptions(cmd);
  try {
    const name = opts.agent ?? process.env.SORTIE_AGENT;
    if (!name) throw validationFailed('agent', 'no agent named', 'Run sortie init claude --agent NAME again.');
    await body(assertAgentName(name), databaseLocation(opts.db));
  } catch (error) {
    emit(onFailure(failureNote(error)));
  }
  process.stdout.write('', () => process.exit(0));
}

export function registerInitCommands(program: Command): void {
  const init = program.command('init').description('wire a project for a coding agent');
  init
    .command('claude')
    .description('write the sortie server (.mcp.json), the hooks (.claude/settings.json) and the agent guide skill for Claude Code')
    .addOption(new Option('--tools <profile>', 'tool profile').choices(PROFILES as unknown as string[]).default('full'))
    .option('--url <url>', 'connect to sortie serve at this URL over HTTP instead of spawning sortie mcp')
    .option('--no-token', `with --url: send no bearer token (\${${TOKEN_VARIABLE}}), for an open loopback server`)
    .option('--strict', 'the Stop hook refuses to stop while the agent holds a task in progress, instead of reminding')
    .option('--npx', 'start Sortie as `npx sortie` (a project that depends on sortie) instead of by this installation’s paths')
    .option('--dir <path>', 'the project directory (default: the current directory)')
    .action((o: InitOptions, cmd: Command) => initClaude(o, cmd));

  const hook = program.command('hook').description('Claude Code hooks (installed by sortie init claude); always exit 0');
  hook
    .command('session-start')
    .description("print the agent's my_work summary for the session's context")
    .option('--url <url>', 'read it from sortie serve at this URL (token from $SORTIE_TOKEN)')
    .action((o: HookOptions, cmd: Command) =>
      runHook(
        cmd,
        async (agent, db) => {
          const work = await withDeadline(readWork(agent, db, o.url));
          const wait = [...thisSortie(false), 'wait', '--agent', agent, ...(db ? ['--db', db] : [])].map(shellWord).join(' ');
          emit(sessionSummary(work, wait));
        },
        (note) => `Sortie: could not read your work at session start (${note}). Call my_work once the sortie tools are connected.`,
      ),
    );
  hook
    .command('stop')
    .description('before the agent stops: remind it of tasks it still holds in progress (--strict: refuse to stop)')
    .option('--url <url>', 'read them from sortie serve at this URL (token from $SORTIE_TOKEN)')
    .option('--strict', 'block the stop (once in a row) while a task is held')
    .action((o: HookOptions, cmd: Command) =>
      runHook(
        cmd,
        async (agent, db) => {
          const [input, work] = await Promise.all([hookInput(), withDeadline(readWork(agent, db, o.url))]);
          const held = heldInProgress(work);
          if (!held.length) return;
          const text = stopText(agent, held);
          // stop_hook_active: this stop follows one a Stop hook already blocked. Blocking again loops the agent.
          const block = o.strict === true && input.stop_hook_active !== true;
          emit(JSON.stringify(block ? { decision: 'block', reason: text } : { systemMessage: text }));
        },
        (note) => JSON.stringify({ systemMessage: `Sortie: could not check the tasks you hold (${note}).` }),
      ),
    );
}
