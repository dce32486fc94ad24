// The waiting rule on its own, with a feed the test drives: an attempt, then sleep until a change; changes during an
// attempt make exactly one more attempt; time running out, an abort, and a result nobody will receive.
import { describe, expect, it } from 'vitest';
import type { SortieEvent } from '../core/model.js';
import { type Changes, waitFor } from './waiting.js';

/** A change feed whose commits the test announces. */
class TestFeed implements Changes {
  readonly listeners = new Set<(events: SortieEvent[]) => void>();
  subscribe(listener: (events: SortieEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  commit(): void {
    for (const listener of this.listeners) listener([]);
  }
}

/** A promise and its resolver. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A generous bound that only turns a hang into a failure; no test relies on it passing. */
const HANG_MS = 20_000;

describe('waitFor', () => {
  it('tries once, sleeps until a commit, then tries again', async () => {
    const feed = new TestFeed();
    let attempts = 0;
    let ready = false;
    const attempt = async () => {
      attempts += 1;
      return ready ? 'task' : null;
    };
    const result = await waitFor(feed, attempt, {
      timeoutMs: HANG_MS,
      onIdle: () =>
        setImmediate(() => {
          ready = true;
          feed.commit();
        }),
    });
    expect(result).toBe('task');
    expect(attempts).toBe(2);
    expect(feed.listeners.size).toBe(0);
  });

  it('commits during an attempt are not lost, and a burst of them costs one more attempt', async () => {
    const feed = new TestFeed();
    const first = deferred<null>();
    let attempts = 0;
    const waiting = waitFor(
      feed,
      async () => {
        attempts += 1;
        if (attempts === 1) return first.promise;
        return attempts === 2 ? null : 'task';
      },
      { timeoutMs: HANG_MS, onIdle: () => setImmediate(() => feed.commit()) },
    );
    // Five commits while the first attempt runs (after its read): they must lead to exactly one more attempt.
    for (let i = 0; i < 5; i++) feed.commit();
    first.resolve(null);
    // The second attempt finds nothing; the wait then sleeps (onIdle) and the next commit makes the third.
    expect(await waiting).toBe('task');
    expect(attempts).toBe(3);
  });

  it('returns null once the time runs out, after one attempt when nothing changed', async () => {
    const feed = new TestFeed();
    let attempts = 0;
    const attempt = async () => {
      attempts += 1;
      return null;
    };
    expect(await waitFor(feed, attempt, { timeoutMs: 50 })).toBeNull();
    expect(attempts).toBe(1);
    expect(feed.listeners.size).toBe(0);
  });

  it('with no time makes exactly one attempt', async () => {
    let attempts = 0;
    const attempt = async () => {
      attempts += 1;
      return null;
    };
    expect(await waitFor(new TestFeed(), attempt, { timeoutMs: 0 })).toBeNull();
    expect(attempts).toBe(1);
    expect(await waitFor(new TestFeed(), async () => 'now', { timeoutMs: 0 })).toBe('now');
  });

  it('with no time never subscribes: a commit during the one attempt has the feed read nothing for it', async () => {
    const feed = new TestFeed();
    let listening = -1;
    const value = await waitFor(
      feed,
      async () => {
        listening = feed.listeners.size;
        return 'claimed';
      },
      { timeoutMs: 0 },
    );
    expect(value).toBe('claimed');
    expect(listening).toBe(0);
  });

  it('with no time, a result that arrives after the abort is handed back', async () => {
    const controller = new AbortController();
    const abandoned: string[] = [];
    const value = await waitFor(
      new TestFeed(),
      async () => {
        controller.abort();
        return 'late';
      },
      { timeoutMs: 0, signal: controller.signal, abandon: async (v) => void abandoned.push(v) },
    );
    expect(value).toBeNull();
    expect(abandoned).toEqual(['late']);
  });

  it('an abort ends the sleep with null and unsubscribes', async () => {
    const feed = new TestFeed();
    const controller = new AbortController();
    const result = await waitFor(feed, async () => null, { signal: controller.signal, onIdle: () => setImmediate(() => controller.abort()) });
    expect(result).toBeNull();
    expect(feed.listeners.size).toBe(0);
  });

  it('an already aborted signal makes no attempt', async () => {
    const controller = new AbortController();
    controller.abort();
    let attempts = 0;
    const attempt = async () => {
      attempts += 1;
      return 'task';
    };
    expect(await waitFor(new TestFeed(), attempt, { signal: controller.signal })).toBeNull();
    expect(attempts).toBe(0);
  });

  it('a result that arrives after the abort is handed to abandon, not returned', async () => {
    const controller = new AbortController();
    const abandoned: string[] = [];
    const result = await waitFor(
      new TestFeed(),
      async () => {
        controller.abort();
        return 'claimed task';
      },
      { signal: controller.signal, abandon: async (value) => void abandoned.push(value) },
    );
    expect(result).toBeNull();
    expect(abandoned).toEqual(['claimed task']);
  });
});
