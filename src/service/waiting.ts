// Waiting for work: a call that holds until a task is ready for its agent (and claims it) or a message is unread —
// claim_next_task and check_messages with waitSeconds, and `sortie wait`. The rule lives here once: try, sleep
// until the change feed reports a commit (or the time runs out, or the caller goes away), try again.
import type { Actor, Task } from '../core/model.js';
import { ClaimNextTaskInput, claimNextTask, releaseTask } from './claims.js';
import type { ServiceDeps } from './context.js';
import type { ChangeFeed } from './feed.js';
import { CheckMessagesInput, checkMessages, type InboxPage, unreadCount } from './inbox.js';
import { parseInput } from './inputs.js';

export interface WaitOptions {
  /** Give up after this long; 0 makes one attempt; undefined waits until the signal aborts. */
  timeoutMs?: number;
  /** Aborted when the caller goes away (a cancelled MCP request, a closed connection, SIGINT): stop at once. */
  signal?: AbortSignal;
  /** Called once, when the first attempt found nothing and the wait begins (`sortie wait` says so on stderr). */
  onIdle?: () => void;
}

/** The feed as a waiter needs it. */
export type Changes = Pick<ChangeFeed, 'subscribe'>;

/**
 * Runs `attempt` until it returns something and returns that; null when the time ran out or the signal aborted.
 *
 * Between attempts it sleeps until the feed reports committed events — writes of this process at once, of other
 * processes through LISTEN/NOTIFY (PostgreSQL) or the feed's 500 ms poll (SQLite) — so work is found within about
 * a second of the write that made it ready, without polling the work itself. Every way work becomes ready is a
 * commit with an event, expired leases included once a sweep returns them (every server sweeps; so does `sortie
 * wait`). The subscription is taken before the
 * first attempt and events that arrive during an attempt make one more attempt right after: a commit between an
 * attempt's read and the sleep is never missed, and a burst of commits costs one attempt, not one per event.
 *
 * A result that arrives after the signal aborted (the claim committed while the caller went away) has nobody to
 * receive it: `abandon` undoes it, so an abandoned wait leaves nothing claimed.
 */
export async function waitFor<T>(
  changes: Changes,
  attempt: () => Promise<T | null>,
  options: WaitOptions & { abandon?: (value: T) => Promise<void> } = {},
): Promise<T | null> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return null;
  if (timeoutMs !== undefined && timeoutMs <= 0) {
    // One attempt (claim_next_task without waitSeconds): nothing to wake, so no subscription — with one, every commit
    // of the process while the attempt runs would have the feed read the new events for nobody.
    const value = await attempt();
    if (!signal?.aborted) return value;
    if (value !== null) await options.abandon?.(value);
    return null;
  }
  let changed = false;
  let idle = false;
  let expired = timeoutMs !== undefined && timeoutMs <= 0;
  let wake: (() => void) | null = null;
  const ring = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const unsubscribe = changes.subscribe(() => {
    changed = true;
    ring();
  });
  signal?.addEventListener('abort', ring);
  const deadline =
    timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(() => {
          expired = true;
          ring();
        }, timeoutMs)
      : undefined;
  try {
    for (;;) {
      changed = false;
      const value = await attempt();
      if (signal?.aborted) {
        if (value !== null) await options.abandon?.(value);
        return null;
      }
      if (value !== null) return value;
      if (expired) return null;
      if (!idle) {
        idle = true;
        options.onIdle?.();
      }
      if (!changed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (signal?.aborted || (expired && !changed)) return null;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', ring);
    clearTimeout(deadline);
  }
}

/** Hands back a claim its waiter can no longer receive. */
async function abandonClaim(deps: ServiceDeps, actor: Actor, task: Task): Promise<void> {
  await releaseTask(deps, actor, { taskId: task.taskId, epoch: task.epoch, reason: 'claimed for a waiting call that was cancelled before it answered' }).catch(
    (error) => deps.logger.error({ err: error, taskId: task.taskId }, 'could not release the claim of a cancelled wait'),
  );
}

/** What woke a `sortie wait`: a task claimed for the caller, or unread messages. */
export type Woken = { task: Task } | { inbox: InboxPage };

/**
 * `sortie wait`: claims the first task ready for the caller (claim_next_task's choice and lease), or — with
 * `messages` — returns its unread inbox when a message comes first (unacknowledged). A task already ready wins
 * over messages already unread. Null when the time ran out or the signal aborted; nothing is claimed then.
 */
export async function awaitWork(
  deps: ServiceDeps,
  changes: Changes,
  actor: Actor,
  input: { claim: ClaimNextTaskInput; messages?: boolean },
  options: WaitOptions,
): Promise<Woken | null> {
  const claim = parseInput(ClaimNextTaskInput, input.claim);
  return waitFor<Woken>(
    changes,
    async () => {
      const task = await claimNextTask(deps, actor, claim);
      if (task) return { task };
      // The unread count first: most wake-ups are someone else's work, and it is one indexed count.
      if (!input.messages || (await unreadCount(deps, actor)) === 0) return null;
      const inbox = await checkMessages(deps, actor, {});
      return inbox.messages.length > 0 ? { inbox } : null;
    },
    { ...options, abandon: (woken) => ('task' in woken ? abandonClaim(deps, actor, woken.task) : Promise.resolve()) },
  );
}

/** claim_next_task: the claim, waiting up to waitSeconds for a ready task when nothing is ready now; else null. */
export async function awaitNextTask(deps: ServiceDeps, changes: Changes, actor: Actor, raw: ClaimNextTaskInput, signal?: AbortSignal): Promise<Task | null> {
  const input = parseInput(ClaimNextTaskInput, raw);
  const woken = await awaitWork(deps, changes, actor, { claim: input }, { timeoutMs: (input.waitSeconds ?? 0) * 1000, signal });
  return woken && 'task' in woken ? woken.task : null;
}

/**
 * check_messages: the inbox page, waiting up to waitSeconds for an unread message when there is none now. The
 * acknowledgement (ackUpToSeq) is made once, by the first read; the answer reports it.
 */
export async function awaitMessages(deps: ServiceDeps, changes: Changes, actor: Actor, raw: CheckMessagesInput, signal?: AbortSignal): Promise<InboxPage> {
  const input = parseInput(CheckMessagesInput, raw);
  const { ackUpToSeq: _once, ...again } = input;
  let first: InboxPage | undefined;
  const page = await waitFor(
    changes,
    async () => {
      const read = await checkMessages(deps, actor, first ? again : input);
      first ??= read;
      return read.messages.length > 0 ? read : null;
    },
    { timeoutMs: (input.waitSeconds ?? 0) * 1000, signal },
  );
  if (page) return { ...page, acknowledged: first?.acknowledged ?? 0 };
  // Timed out (the first read is the answer), or cancelled before any read (nobody receives this one).
  return first ?? checkMessages(deps, actor, again);
}
