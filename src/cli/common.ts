// What every command family shares: the global options, the acting agent, output, option parsers, and the
// one-shot runtime a command runs against. Only src/cli imports this module.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { validationFailed } from '../core/errors.js';
import { assertAgentName } from '../core/identity.js';
import type { Actor, Task } from '../core/model.js';
import { type BackgroundTask, createLogger, type Runtime, startRuntime } from '../runtime/runtime.js';
import { drawTask, relatedKeys } from './format.js';

export interface GlobalOptions {
  db?: string;
  json?: boolean;
  agent?: string;
  instance?: string;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/**
 * The CLI user: --agent, SORTIE_AGENT, or the login name. Its instance is --instance or SORTIE_INSTANCE; with
 * neither, the CLI acts as the agent's default instance, so `task claim` and a later `task complete` hold one claim.
 */
export function cliActor(opts: GlobalOptions): Actor {
  const name = opts.agent ?? process.env.SORTIE_AGENT ?? userInfo().username;
  const instance = opts.instance || process.env.SORTIE_INSTANCE;
  return { agent: assertAgentName(name, 'agent'), ...(instance ? { instance: assertAgentName(instance, 'instance') } : {}) };
}

/** A `sortie mcp` process's own instance when none is given: the agent (or "mcp") and a short random suffix. */
export function generatedInstance(agent: string | undefined): string {
  return `${agent ?? 'mcp'}-${randomBytes(3).toString('hex')}`;
}

/** A task as `print` shows it, the tasks it names by their T-keys (relatedKeys); `none` when there is no task. */
export async function printTask(runtime: Runtime, me: Actor, opts: GlobalOptions, t: Task | null, none = 'no task'): Promise<void> {
  if (opts.json || !t) return print(opts, t, () => none);
  const keys = await relatedKeys(t, (taskId) => runtime.sortie.getTask(me, { taskId }));
  print(opts, t, () => drawTask(t, keys));
}

export function print(opts: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write(`${opts.json ? JSON.stringify(value, null, 2) : human()}\n`);
}

/**
 * Runs a one-shot command against the database, always closing it. Without `background` it starts no background
 * work and does not follow the change feed; a command that waits on the feed passes its work (see startRuntime).
 */
export async function withRuntime<T>(
  cmd: Command,
  fn: (runtime: Runtime, opts: GlobalOptions) => Promise<T>,
  options: { background?: readonly BackgroundTask[] } = {},
): Promise<T> {
  const opts = globalOptions(cmd);
  const runtime = await startRuntime({ db: opts.db, logger: createLogger(process.env.SORTIE_LOG_LEVEL ?? 'warn'), background: options.background });
  try {
    return await fn(runtime, opts);
  } finally {
    await runtime.stop();
  }
}

/** A repeatable option that also takes comma lists: `--agents a,b --agents c`. */
export const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/**
 * Who manages credentials (tokens, webhook secrets) from the CLI: whoever can open the database file or URL already
 * controls everything, so it acts without a role. `--agent` is taken by `token create` for the token's agent
 * (commander gives the program-level option to every subcommand), so the operator's name comes from SORTIE_AGENT or
 * the login.
 */
export function operator(): Actor {
  return cliActor({ agent: process.env.SORTIE_AGENT ?? userInfo().username });
}

export function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

export function intOption(field: string) {
  return (value: string) => {
    if (!/^-?\d+$/.test(value)) throw validationFailed(field, `"${value}" is not an integer`);
    return Number(value);
  };
}
