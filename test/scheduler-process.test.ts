// The scheduler inside real server processes: `sortie serve` and `sortie mcp` both run it, and when both run
// against one database each due time still yields one instance. Needs `npm run build` first.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from '../bench/net.js';
import { SORTIE_BIN } from './support/clients.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

describe('the recurring scheduler in server processes', () => {
  const children: ChildProcess[] = [];
  let store: TestSortie | undefined;

  afterEach(async () => {
    for (const child of children) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    children.length = 0;
    await store?.close();
  });

  /** Weekly definitions created on the test store's manual clock (January 2026): long overdue on the wall clock. */
  async function overdueDefinitions(dbPath: string, titles: string[]) {
    store = await openTestSortie(dbPath);
    const s = store;
    return Promise.all(titles.map((title) => s.sortie.createRecurring({ agent: 'alice' }, { title, cronExpression: '0 9 * * 1', overlap: 'allow' })));
  }

  const env = { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_SCHEDULER_MS: '100' };

  async function start(kind: 'serve' | 'mcp', dbPath: string): Promise<ChildProcess> {
    if (kind === 'mcp') {
      // stdin stays open (a pipe nobody writes to), as it would under an MCP client.
      const child = spawn(process.execPath, [SORTIE_BIN, 'mcp', '--agent', 'alice', '--db', dbPath], { env, stdio: ['pipe', 'ignore', 'pipe'] });
      children.push(child);
      return child;
    }
    const port = await freePort();
    const child = spawn(process.execPath, [SORTIE_BIN, 'serve', '--port', String(port), '--db', dbPath], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    await waitForHealth(`http://127.0.0.1:${port}`, child);
    return child;
  }

  async function taskCountReaching(target: number): Promise<number> {
    const db = (store as TestSortie).database.kysely;
    const count = async () =>
      Number(
        (
          await db
            .selectFrom('tasks')
            .select(({ fn }) => fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    for (let i = 0; i < 200 && (await count()) < target; i++) await sleep(100);
    return count();
  }

  it.each(['serve', 'mcp'] as const)('sortie %s runs due recurring work by itself', async (kind) => {
    const dbPath = join(tempDir(), 'sortie.db');
    const defs = await overdueDefinitions(dbPath, ['one', 'two']);
    await start(kind, dbPath);
    expect(await taskCountReaching(defs.length)).toBe(defs.length);
  });

  it('sortie serve and sortie mcp on one database together create each instance once', async () => {
    const dbPath = join(tempDir(), 'sortie.db');
    const defs = await overdueDefinitions(dbPath, ['one', 'two', 'three']);
    const [mcp, serve] = [await start('mcp', dbPath), await start('serve', dbPath)];
    await taskCountReaching(defs.length);
    // Give both processes many more ticks in which a duplicate could appear.
    await sleep(1500);
    expect(serve.exitCode).toBeNull();
    expect(mcp.exitCode).toBeNull();
    expect(await taskCountReaching(defs.length)).toBe(defs.length);
    const runs = await (store as TestSortie).database.kysely.selectFrom('recurring_runs').selectAll().execute();
    expect(runs.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    for (const d of defs) {
      const after = await (store as TestSortie).sortie.getRecurring({ agent: 'alice' }, { recurringTaskId: d.recurringTaskId });
      expect(after.lastRunAt).not.toBeNull();
      expect(Date.parse(after.nextRunAt as string)).toBeGreaterThan(Date.parse(after.lastRunAt as string));
    }
  });
});
