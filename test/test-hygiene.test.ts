// The suite's own hygiene: a server whose health wait fails is killed, not left running, and the end-of-run check
// (test/support/global-setup.ts) finds a Sortie process by the run's mark.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from '../bench/net.js';
import { SORTIE_BIN } from './support/clients.js';
import { markedSortieProcesses, RUN_MARK } from './support/global-setup.js';
import { tempDir } from './support/sortie.js';

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function reap(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

describe('test hygiene', () => {
  it('waitForHealth kills a server that never becomes healthy before it gives up', async () => {
    // Alive but never listening: what a slow or wedged `sortie serve` looks like from outside.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const url = `http://127.0.0.1:${await freePort()}`;
      await expect(waitForHealth(url, child, 500)).rejects.toThrow(/did not become healthy/);
      expect(exited(child)).toBe(true);
    } finally {
      await reap(child);
    }
  });

  it.skipIf(!existsSync('/proc'))('the end-of-run check finds a Sortie process by the run mark, and only by it', async () => {
    const mark = `${RUN_MARK}=probe-${randomUUID()}`;
    const [name, value] = mark.split('=');
    // `sortie mcp` stays up while its stdin is open.
    const child = spawn(process.execPath, [SORTIE_BIN, 'mcp', '--agent', 'probe', '--db', join(tempDir(), 'probe.db')], {
      env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', [name]: value },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    try {
      expect(markedSortieProcesses(mark).map((p) => p.pid)).toEqual([child.pid]);
      expect(markedSortieProcesses(`${RUN_MARK}=another-run`)).toEqual([]);
    } finally {
      await reap(child);
    }
  });
});
