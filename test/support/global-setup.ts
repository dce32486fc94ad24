// Around the whole `vitest run`: every process the suite starts inherits a mark in its environment, and after the
// last test any Sortie process still carrying the mark is killed and named, failing the run. A test that leaks a
// server (a failed start, a missing afterAll) is then a red run, not a process left listening on the machine.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** The environment variable that marks the processes of one run. */
export const RUN_MARK = 'SORTIE_TEST_RUN';

/**
 * Command lines of Sortie processes a test may start: the CLI and servers (bin/sortie.js, or an installed package's
 * node_modules/.bin/sortie), the race workers, the benchmarks.
 */
const SORTIE_PROCESS = /bin\/sortie(\.js)?\b|race-worker\.mjs|bench\/run\.js/;

export interface Leftover {
  pid: number;
  command: string;
}

/** Linux only (/proc): the Sortie processes of this user whose environment carries `mark` (`NAME=value`). */
export function markedSortieProcesses(mark: string): Leftover[] {
  if (!existsSync('/proc')) return [];
  const found: Leftover[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(mark)) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (SORTIE_PROCESS.test(command)) found.push({ pid, command });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

export function setup(): () => Promise<void> {
  const value = `${process.pid}-${randomUUID()}`;
  process.env[RUN_MARK] = value;
  const mark = `${RUN_MARK}=${value}`;
  return async () => {
    const leftovers = markedSortieProcesses(mark);
    for (const { pid } of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    if (leftovers.length > 0) {
      // vitest reports an error thrown here but still exits 0: set the exit code as well.
      process.exitCode = 1;
      throw new Error(
        `the suite left ${leftovers.length} Sortie process(es) running (now killed):\n${leftovers.map((l) => `  ${l.pid} ${l.command}`).join('\n')}`,
      );
    }
  };
}
