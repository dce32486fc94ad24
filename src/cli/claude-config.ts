// What `sortie init claude` writes into a project, as pure functions of what is there already: the `sortie` server
// entry of .mcp.json, the Sortie hooks of .claude/settings.json, and how each merges into the user's own file.
// Merging keeps every other key, server and hook; Sortie's own entries are replaced, so running init twice adds
// nothing. A file that is not the JSON object Claude Code reads is refused before anything is written.
import { DomainError } from '../core/errors.js';
import type { Profile } from '../mcp/profiles.js';

export interface ClaudeSetup {
  agent: string;
  tools: Profile;
  /** The argv that runs this Sortie: [node, /abs/bin/sortie.js] (this installation) or [npx, sortie]. */
  launcher: readonly string[];
  /** Set: the agent connects to `sortie serve` at this MCP endpoint (…/mcp) instead of spawning `sortie mcp`. */
  url?: string;
  /** With url: send `Authorization: Bearer ${SORTIE_TOKEN}` (fleet mode). Off for an open loopback server. */
  token: boolean;
  /** The database, when not the environment's default (SORTIE_DB or the XDG data dir): an absolute path or a URL. */
  db?: string;
  /** The Stop hook refuses to stop while a task is held (instead of reminding). */
  strict: boolean;
}

/** The environment variable the HTTP entry's bearer token comes from (expanded by Claude Code at startup). */
export const TOKEN_VARIABLE = 'SORTIE_TOKEN';

/** How long Claude Code lets a Sortie hook run, in seconds; the hooks give up sooner themselves (HOOK_DEADLINE_MS). */
export const HOOK_TIMEOUT_SECONDS = 30;

/** The `sortie` server of .mcp.json: stdio by default, HTTP with a url; always loaded (never behind tool search). */
export function serverEntry(setup: ClaudeSetup): Record<string, unknown> {
  if (setup.url) {
    return {
      type: 'http',
      url: setup.url,
      headers: {
        ...(setup.token ? { Authorization: `Bearer \${${TOKEN_VARIABLE}}` } : {}),
        'X-Sortie-Agent': setup.agent,
        'X-Sortie-Tools': setup.tools,
      },
      alwaysLoad: true,
    };
  }
  const [command, ...prefix] = setup.launcher;
  return {
    type: 'stdio',
    command,
    args: [...prefix, 'mcp', '--agent', setup.agent, '--tools', setup.tools, ...(setup.db ? ['--db', setup.db] : [])],
    alwaysLoad: true,
  };
}

/** A word as a POSIX shell reads it back unchanged (Claude Code runs a hook's command through a shell). */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_\-./:=@%+,]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export type HookEvent = 'SessionStart' | 'Stop';

/** The command line of one Sortie hook. */
export function hookCommand(setup: ClaudeSetup, event: HookEvent): string {
  const words = [
    ...setup.launcher,
    'hook',
    event === 'SessionStart' ? 'session-start' : 'stop',
    '--agent',
    setup.agent,
    ...(setup.url ? ['--url', setup.url] : setup.db ? ['--db', setup.db] : []),
    ...(event === 'Stop' && setup.strict ? ['--strict'] : []),
  ];
  return words.map(shellWord).join(' ');
}

/** Whether a hook command is one of Sortie's (any launcher, any options): what a second init replaces. */
export function isSortieHook(command: unknown): boolean {
  return typeof command === 'string' && /sortie(\.js)?'?\s+hook\s+(session-start|stop)(\s|$)/.test(command);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuseShape(file: string, what: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${file}: ${what}; nothing was written`, `Fix ${file} (or move it aside), then run sortie init claude again.`, {
    field: file,
  });
}

/** Parses an existing file's text; refuses text that is not a JSON object, naming the file and where it broke. */
export function parseJsonObject(file: string, text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw refuseShape(file, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw refuseShape(file, 'not a JSON object');
  return value;
}

export type Change = 'created' | 'added' | 'replaced' | 'unchanged';

/** .mcp.json with the `sortie` server set: other servers and keys kept in place. */
export function mergeMcpJson(existing: Json | undefined, entry: Json): { value: Json; change: Change } {
  if (!existing) return { value: { mcpServers: { sortie: entry } }, change: 'created' };
  const servers = existing.mcpServers ?? {};
  if (!isObject(servers)) throw refuseShape('.mcp.json', '"mcpServers" is not an object');
  const before = servers.sortie;
  const change: Change = before === undefined ? 'added' : JSON.stringify(before) === JSON.stringify(entry) ? 'unchanged' : 'replaced';
  return { value: { ...existing, mcpServers: { ...servers, sortie: entry } }, change };
}

interface HookGroup extends Json {
  hooks: Json[];
}

/**
 * .claude/settings.json with one Sortie hook per event: the user's hooks, matchers and other settings kept. Sortie's
 * hook, when already there exactly as wanted, stays where it is; otherwise every earlier Sortie hook is removed (so
 * options may change and nothing is duplicated, a group left empty by that dropped) and the new one appended.
 */
export function mergeSettings(existing: Json | undefined, commands: Record<HookEvent, string>): { value: Json; change: Change } {
  const file = '.claude/settings.json';
  const settings = existing ?? {};
  const hooks = settings.hooks ?? {};
  if (!isObject(hooks)) throw refuseShape(file, '"hooks" is not an object');
  const merged: Json = { ...hooks };
  let hadSortie = false;
  for (const event of Object.keys(commands) as HookEvent[]) {
    const groups = hooks[event] ?? [];
    if (!Array.isArray(groups) || !groups.every((g) => isObject(g) && (g.hooks === undefined || Array.isArray(g.hooks)))) {
      throw refuseShape(file, `"hooks.${event}" is not a list of {"matcher", "hooks": [...]} groups`);
    }
    const wanted = { type: 'command', command: commands[event], timeout: HOOK_TIMEOUT_SECONDS };
    const ours = (groups as HookGroup[]).flatMap((g) => (g.hooks ?? []).filter((h) => isSortieHook(h?.command)));
    hadSortie ||= ours.length > 0;
    if (ours.length === 1 && JSON.stringify(ours[0]) === JSON.stringify(wanted)) continue;
    const kept = (groups as HookGroup[]).flatMap((group) => {
      if (!group.hooks?.some((h) => isSortieHook(h?.command))) return [group];
      const others = group.hooks.filter((h) => !isSortieHook(h?.command));
      return others.length ? [{ ...group, hooks: others }] : [];
    });
    merged[event] = [...kept, { hooks: [wanted] }];
  }
  const value = { ...settings, hooks: merged };
  if (!existing) return { value, change: 'created' };
  if (JSON.stringify(existing) === JSON.stringify(value)) return { value, change: 'unchanged' };
  return { value, change: hadSortie ? 'replaced' : 'added' };
}
