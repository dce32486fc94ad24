// Following the change feed from a known point: replay what a subscriber missed from the events table, then
// continue live — every visible event exactly once, in sequence order.

import { z } from 'zod';
import type { Actor, SortieEvent } from '../core/model.js';
import { lastEventSeq, listEventRows } from '../db/events-repo.js';
import { assertProjectVisible, canSeeProject } from './access.js';
import type { ServiceDeps } from './context.js';
import { type ChangeFeed, toEvent } from './feed.js';
import { parseInput, SeqInput } from './inputs.js';

export const FollowInput = z.object({
  after: SeqInput.optional().describe('Resume after this event sequence number (Last-Event-ID); omit to start from now'),
  project: z.string().trim().min(1).max(100).optional().describe('Project'),
});
export type FollowInput = z.input<typeof FollowInput>;

export interface Follower {
  /** Where the follower started: the resumed sequence, and whether the caller's position was unusable. */
  ready: Promise<{ from: number; lastSeq: number; reset: boolean }>;
  stop(): void;
}

const REPLAY_PAGE = 500;

/**
 * Subscribes first and replays second, so nothing committed in between can fall through: live batches that
 * arrive during the replay are held, then everything is passed through one filter that drops any sequence
 * number already sent. Events commit in sequence order (see appendEvents), so "after the last seq sent" is
 * exactly what is missing. `send` calls are serialized: the next batch waits for the previous one to be written,
 * which also bounds memory during a long replay.
 *
 * A position beyond the newest event (a client of a database that was since recreated) cannot be resumed; the
 * follower starts from now and reports `reset`, so the client reloads what it shows.
 */
export function followEvents(deps: ServiceDeps, feed: ChangeFeed, actor: Actor, raw: FollowInput, send: (events: SortieEvent[]) => Promise<void>): Follower {
  const input = parseInput(FollowInput, raw);
  if (input.project) assertProjectVisible(actor, input.project);
  const visible = (e: SortieEvent) => canSeeProject(actor, e.project) && (input.project === undefined || e.project === input.project);
  let lastSent = 0;
  let replaying = true;
  let stopped = false;
  const held: SortieEvent[][] = [];
  let chain: Promise<void> = Promise.resolve();

  const deliver = (events: readonly SortieEvent[]): Promise<void> => {
    const fresh = events.filter((e) => e.seq > lastSent);
    if (fresh.length === 0 || stopped) return chain;
    lastSent = fresh[fresh.length - 1].seq;
    const shown = fresh.filter(visible);
    if (shown.length > 0) chain = chain.then(() => (stopped ? undefined : send(shown)));
    return chain;
  };

  const unsubscribe = feed.subscribe((events) => {
    if (replaying) held.push(events);
    else void deliver(events);
  });

  const ready = (async () => {
    const db = deps.database.kysely;
    const newest = await lastEventSeq(db);
    const reset = input.after !== undefined && input.after > newest;
    lastSent = input.after === undefined || reset ? newest : input.after;
    const from = lastSent;
    // Replay reads every project the caller may see; `deliver` applies the project filter to both streams alike.
    for (;;) {
      if (stopped) break;
      const rows = await listEventRows(db, { since: lastSent, projects: actor.projects }, REPLAY_PAGE);
      if (rows.length === 0) break;
      await deliver(rows.map(toEvent));
      if (rows.length < REPLAY_PAGE) break;
    }
    replaying = false;
    for (const batch of held.splice(0)) void deliver(batch);
    await chain;
    return { from, lastSeq: lastSent, reset };
  })();
  // The caller awaits `ready`; a failure there is reported to it, and the subscription must not outlive it.
  ready.catch(() => {
    stopped = true;
    unsubscribe();
  });

  return {
    ready,
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
