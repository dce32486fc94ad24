// Runs the built `sortie` command as a person would, to its exit: what it printed and its exit code, never a throw.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { COMMAND_TIMEOUT_MS } from './budget.js';
import { SORTIE_BIN } from './clients.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `node bin/sortie.js ARGS`, with SORTIE_DB and SORTIE_AGENT cleared so only the arguments name them. A command
 * still running after COMMAND_TIMEOUT_MS is killed, and its result says so through its code and stderr. `input`,
 * when given, is written to its stdin, which is then closed (as Claude Code feeds a hook).
 */
export async function runSortie(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  try {
    const running = run(process.execPath, [SORTIE_BIN, ...args], {
      env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_DB: '', SORTIE_AGENT: '', ...env },
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    if (input !== undefined) running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
