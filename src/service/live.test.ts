// followEvents, with a hand-driven change feed: the exact interleavings that could lose or repeat an event —
// a commit announced while the replay is still sending, a feed batch overlapping the replay — on every dialect.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabaseUrl } from '../../test/support/dialects.js';
import { openTestSortie, type TestSortie } from '../../test/support/sortie.js';
import type { Actor, SortieEvent } from '../core/model.js';
import { lastEventSeq, listEventRows } from '../db/events-repo.js';
import type { ChangeFeed } from './feed.js';
import { toEvent } from './feed.js';
import { followEvents } from './live.js';

const PIA: Actor = { agent: 'pia' };

/** A feed whose deliveries the test makes, when it wants them. */
function manualFeed() {
  const listeners = new Set<(events: SortieEvent[]) => void>();
  return {
    feed: {
      subscribe(listener: (events: SortieEvent[]) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as ChangeFeed,
    deliver(events: SortieEvent[]) {
      for (const l of listeners) l(events);
    },
    get subscribers() {
      return listeners.size;
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`followEvents (${dialect})`, () => {
    let t: TestSortie;
    let dispose: () => Promise<void>;
    let mission: string;
    const events = async (since: number) => (await listEventRows(t.database.kysely, { since }, 1000)).map(toEvent);

    beforeEach(async () => {
      const db = await freshDatabaseUrl(dialect);
      dispose = db.dispose;
      t = await openTestSortie(db.url);
      mission = (await t.sortie.createMission(PIA, { name: 'm', project: 'web', pilot: 'pia' })).missionId;
      for (let i = 1; i <= 4; i++) await t.sortie.updateMissionProgress(PIA, { missionId: mission, progress: i });
    });
    afterEach(async () => {
      await t.close();
      await dispose();
    });

    it('delivers a commit announced while the replay is still being sent, once', async () => {
      const { feed, deliver } = manualFeed();
      const sent: number[] = [];
      let raced = false;
      const follower = followEvents(t.sortie.deps, feed, PIA, { after: 1 }, async (batch) => {
        sent.push(...batch.map((e) => e.seq));
        if (!raced) {
          // While the replay's first batch is on the wire, another write commits and the feed announces it
          // (the replay's query already ran, so only the feed can bring it).
          raced = true;
          const before = await lastEventSeq(t.database.kysely);
          await t.sortie.updateMissionProgress(PIA, { missionId: mission, progress: 50 });
          deliver(await events(before));
        }
      });
      const ready = await follower.ready;
      const newest = await lastEventSeq(t.database.kysely);
      expect(sent).toEqual(Array.from({ length: newest - 1 }, (_, i) => i + 2));
      expect(ready).toEqual({ from: 1, lastSeq: newest, reset: false });
      follower.stop();
    });

    it('drops feed batches that overlap what was replayed or already sent', async () => {
      const manual = manualFeed();
      const { feed, deliver } = manual;
      const sent: number[] = [];
      const follower = followEvents(t.sortie.deps, feed, PIA, { after: 0 }, async (batch) => {
        sent.push(...batch.map((e) => e.seq));
      });
      await follower.ready;
      const all = await events(0);
      deliver(all.slice(2));
      await t.sortie.updateMissionProgress(PIA, { missionId: mission, progress: 60 });
      deliver(await events(0));
      deliver(await events(0));
      await new Promise((r) => setImmediate(r));
      expect(sent).toEqual((await events(0)).map((e) => e.seq));
      expect(manual.subscribers).toBe(1);
      follower.stop();
    });

    it('sends nothing outside the caller’s projects or the chosen project, live or replayed', async () => {
      await t.sortie.createMission(PIA, { name: 'other', project: 'api', pilot: 'pia' });
      const { feed, deliver } = manualFeed();
      const scoped: SortieEvent[] = [];
      const filtered: SortieEvent[] = [];
      const a = followEvents(t.sortie.deps, feed, { agent: 'v', role: 'viewer', projects: ['web'] }, { after: 0 }, async (b) => {
        scoped.push(...b);
      });
      const b = followEvents(t.sortie.deps, feed, PIA, { after: 0, project: 'api' }, async (batch) => {
        filtered.push(...batch);
      });
      await Promise.all([a.ready, b.ready]);
      const before = await lastEventSeq(t.database.kysely);
      await t.sortie.createMission(PIA, { name: 'more', project: 'api', pilot: 'pia' });
      await t.sortie.updateMissionProgress(PIA, { missionId: mission, progress: 70 });
      deliver(await events(before));
      await new Promise((r) => setImmediate(r));
      expect(scoped.length).toBeGreaterThan(0);
      expect(scoped.every((e) => e.project === 'web')).toBe(true);
      expect(filtered.map((e) => e.kind)).toEqual(['mission.created', 'mission.created']);
      expect(filtered.every((e) => e.project === 'api')).toBe(true);
      a.stop();
      b.stop();
    });

    it('starts from now without a position, resets a position beyond the newest event, and unsubscribes on stop', async () => {
      const manual = manualFeed();
      const { feed } = manual;
      const newest = await lastEventSeq(t.database.kysely);
      const sent: SortieEvent[] = [];
      const now = followEvents(t.sortie.deps, feed, PIA, {}, async (b) => {
        sent.push(...b);
      });
      expect(await now.ready).toEqual({ from: newest, lastSeq: newest, reset: false });
      const ahead = followEvents(t.sortie.deps, feed, PIA, { after: newest + 50 }, async (b) => {
        sent.push(...b);
      });
      expect(await ahead.ready).toEqual({ from: newest, lastSeq: newest, reset: true });
      expect(sent).toEqual([]);
      expect(manual.subscribers).toBe(2);
      now.stop();
      ahead.stop();
      expect(manual.subscribers).toBe(0);
    });
  });
}
