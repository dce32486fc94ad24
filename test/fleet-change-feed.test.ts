// The change feed across processes: on PostgreSQL a commit anywhere reaches every replica's subscribers through
// LISTEN/NOTIFY (here with polling turned off, so only the notification can deliver), and the listener comes back
// by itself when its connection is cut. On SQLite polling is the channel.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { SortieEvent } from '../src/core/model.js';
import { openDatabase } from '../src/db/database.js';
import { ChangeFeed } from '../src/service/feed.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { openFleetStore } from './support/fleet.js';
import { silentLogger } from './support/sortie.js';

// Deadlines are bounds for a hung run, not expectations: on a loaded 2-core CI machine with the whole suite sharing
// one PostgreSQL server, a reconnection (with its backoff) has taken more than 15 s.
async function until(condition: () => boolean, what: string, timeoutMs = 50_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const dialect of SHARED_DIALECTS) {
  describe(`change feed between two handles on one ${dialect} database`, () => {
    it(dialect === 'postgres' ? 'delivers by NOTIFY alone, and again after the listener connection is killed' : 'delivers by polling', async () => {
      const fleet = await openFleetStore(dialect);
      // A second handle stands for another replica: its own pool and its own listener connection.
      const other = await openDatabase(fleet.url);
      const pollMs = dialect === 'postgres' ? 3_600_000 : 100;
      const feed = new ChangeFeed(other, silentLogger, pollMs);
      const seen: SortieEvent[] = [];
      try {
        await feed.start();
        feed.subscribe((events) => seen.push(...events));
        const writer = fleet.store.sortie;
        fleet.store.clock.set(Date.now());
        const m = await writer.createMission({ agent: 'pia' }, { name: 'feed-1', project: 'web', pilot: 'pia' });
        await until(() => seen.some((e) => e.missionId === m.missionId && e.kind === 'mission.created'), 'the first event');

        if (dialect === 'postgres') {
          const listeners = async () =>
            (
              await sql<{
                pid: number;
              }>`select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`.execute(
                fleet.store.database.kysely,
              )
            ).rows.map((r) => r.pid);
          const [old, ...others] = await listeners();
          expect(old).toBeTypeOf('number');
          expect(others).toEqual([]);
          const killed = await sql<{ ok: boolean }>`select pg_terminate_backend(${old}) as ok`.execute(fleet.store.database.kysely);
          expect(killed.rows[0].ok).toBe(true);
          // Wait for the listener to be back: a new LISTEN session, and the killed one gone (a terminated backend can
          // still be listed for a moment, so "one listener" alone is not proof). Had the write come before the
          // reconnection, the catch-up read the listener does on reconnecting would still deliver it.
          const back = async () => {
            const now = await listeners();
            return now.length === 1 && now[0] !== old;
          };
          const deadline = Date.now() + 50_000;
          while (!(await back()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          expect(await back()).toBe(true);
        }
        const again = await writer.updateMission({ agent: 'pia' }, { missionId: m.missionId, description: 'changed' });
        await until(() => seen.some((e) => e.missionId === again.missionId && e.kind === 'mission.updated'), 'the event after reconnecting');
        // Each event exactly once, in sequence order.
        const seqs = seen.map((e) => e.seq);
        expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
      } finally {
        await feed.stop();
        await other.close();
        await fleet.dispose();
      }
    }, 150_000);
  });
}
