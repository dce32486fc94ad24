// The change feed and an agent's start-of-session view: list_events, my_work, and live change notification.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { TaskStatus } from '../core/enums.js';
import { Name } from '../core/identity.js';
import type { Actor, InboxMessage, Page, SortieEvent, Task } from '../core/model.js';
import { tasksByIds } from '../db/board-repo.js';
import type { Database } from '../db/database.js';
import { lastEventSeq, listEventRows } from '../db/events-repo.js';
import type { EventsTable, TasksTable } from '../db/schema.js';
import { listTaskRows, memberReadyTasks, pausedTasksFor, reviewTasksFor } from '../db/tasks-repo.js';
import { assertProjectVisible, readMission, readTask } from './access.js';
import type { ServiceDeps } from './context.js';
import { newestUnread, unreadCount } from './inbox.js';
import { parseInput, SeqInput } from './inputs.js';
import { taskViews } from './views.js';

export const ListEventsInput = z.object({
  since: SeqInput.optional().describe('After this seq (0: from the start)'),
  missionId: z.string().optional(),
  taskId: z.string().optional().describe('Task id or T-key'),
  project: Name.optional().describe('Project'),
  // The feed pages by sequence number, and a poller catching up wants big pages: 100 by default, at most 500
  // (entity lists stay at 20 / 200).
  limit: z.number().int().min(1).max(500).optional().describe('Default 100, max 500'),
});
export type ListEventsInput = z.input<typeof ListEventsInput>;

export function toEvent(row: EventsTable): SortieEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    kind: row.kind,
    project: row.project,
    missionId: row.mission_id,
    taskId: row.task_id,
    details: JSON.parse(row.details),
  };
}

export async function listEvents(deps: ServiceDeps, actor: Actor, raw: ListEventsInput): Promise<Page<SortieEvent> & { lastSeq: number }> {
  const input = parseInput(ListEventsInput, raw);
  const db = deps.database.kysely;
  const limit = input.limit ?? 100;
  if (input.project) assertProjectVisible(actor, input.project);
  const missionId = input.missionId ? (await readMission(db, actor, input.missionId)).id : undefined;
  const taskId = input.taskId ? (await readTask(db, actor, { taskId: input.taskId, missionId: input.missionId })).id : undefined;
  const rows = await listEventRows(db, { since: input.since ?? 0, missionId, taskId, project: input.project, projects: actor.projects }, limit);
  const items = rows.map(toEvent);
  const lastSeq = items.length ? items[items.length - 1].seq : (input.since ?? 0);
  return { items, nextCursor: rows.length === limit ? String(lastSeq) : null, lastSeq };
}

export interface MyWork {
  agent: string;
  /** Tasks the agent holds through this instance, with lease expiry: renew with heartbeat_task, finish with complete_task. */
  claimed: Task[];
  /**
   * Tasks the agent holds through another instance (another session): this one may not write to them until it
   * takes the claim over (checkout_task with takeover: true), which the other session then loses.
   */
  heldElsewhere: HeldElsewhere[];
  /** Ready tasks it may claim (assigned to it first, then unassigned in its missions), most urgent first. */
  ready: Task[];
  /** Tasks in review waiting on it as pilot or creator. */
  reviews: Task[];
  /** Its blocked tasks, each with the task it waits on (and that task's state) when it waits on one. */
  blocked: BlockedTask[];
  /** What changed for it: how many inbox messages are unread, and the newest few (check_messages reads them all). */
  inbox: { unread: number; newest: InboxMessage[] };
  /** Tasks it paused (pause_task) or that are assigned to it and paused, with why: claim one again to resume. Not repeated in `ready`. */
  paused: Task[];
}

export type BlockedTask = Task & { waitsOn: WaitsOn | null };

/** The task a blocked task waits on, as the waiting agent needs it: which one, whose, and how far it is. */
export interface WaitsOn {
  taskId: string;
  key: string | null;
  title: string;
  status: TaskStatus;
  missionId: string | null;
}

/** How many of the newest unread messages my_work shows. */
const NEWEST_MESSAGES = 3;

export type HeldElsewhere = Task & { instance: string | null; leaseExpiresAt: string | null; hint: string };

/** Everything an agent needs at the start of a session, in one call. */
export const MyWorkInput = z.object({
  limit: z.number().int().min(1).max(200).optional().describe('At most this many tasks per list (default 20)'),
});
export type MyWorkInput = z.input<typeof MyWorkInput>;

export async function myWork(deps: ServiceDeps, actor: Actor, raw: MyWorkInput): Promise<MyWork> {
  const limit = parseInput(MyWorkInput, raw).limit ?? 20;
  const db = deps.database.kysely;
  const scope = { projects: actor.projects };
  const instance = actor.instance ?? null;
  const held = { ...scope, claimedBy: actor.agent, statuses: ['in_progress'] as const };
  const claimedRows = await listTaskRows(db, { ...held, claimedByInstance: { is: instance } }, 'queue', limit, null);
  const elsewhereRows = await listTaskRows(db, { ...held, claimedByInstance: { not: instance } }, 'queue', limit, null);
  const blockedRows = await listTaskRows(db, { ...scope, claimedBy: actor.agent, statuses: ['blocked'] }, 'queue', limit, null);
  // Ready means claimable now: a ready task in a mission still in plan cannot be started yet.
  const assignedReady = await listTaskRows(db, { ...scope, assignedTo: actor.agent, ready: true, workable: true }, 'queue', limit, null);
  // Unassigned ready tasks in missions the agent belongs to (executing ones).
  const memberReady = await memberReadyTasks(db, actor.agent, actor.projects, limit);
  const reviewRows = await reviewTasksFor(db, actor.agent, actor.projects, limit);
  const pausedRows = await pausedTasksFor(db, actor.agent, actor.projects, limit);
  // A task listed as paused for this agent is not repeated as ready (pausedTasksFor's own test, so even one past
  // the paused list's limit stays out of ready).
  const pausedForMe = (r: TasksTable) => r.paused_at !== null && (r.last_holder === actor.agent || r.assigned_to === actor.agent);
  const readyRows = [...assignedReady.slice(0, limit), ...memberReady]
    .filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i && !pausedForMe(r))
    .slice(0, limit);
  const [claimed, elsewhere, ready, reviews, blocked, paused] = await Promise.all([
    taskViews(db, claimedRows.slice(0, limit), false),
    taskViews(db, elsewhereRows.slice(0, limit), false),
    taskViews(db, readyRows, false),
    taskViews(db, reviewRows, false),
    taskViews(db, blockedRows.slice(0, limit), false),
    taskViews(db, pausedRows, false),
  ]);
  const heldElsewhere = elsewhere.map((t) => {
    const other = t.claim?.claimedByInstance ?? null;
    return {
      ...t,
      instance: other,
      leaseExpiresAt: t.claim?.leaseExpiresAt ?? null,
      hint: `Held by ${other === null ? 'your default instance (no instance name)' : `your instance ${other}`} until ${t.claim?.leaseExpiresAt}. If that session is gone, take it over with checkout_task {taskId: "${t.taskId}", takeover: true}; otherwise leave it.`,
    };
  });
  const blockers = new Map(
    (
      await tasksByIds(
        db,
        blocked.flatMap((t) => (t.blockedOnTaskId ? [t.blockedOnTaskId] : [])),
      )
    ).map((b) => [b.id, { taskId: b.id, key: b.key, title: b.title, status: b.status, missionId: b.mission_id }]),
  );
  const [unread, newest] = await Promise.all([unreadCount(deps, actor), newestUnread(deps, actor, NEWEST_MESSAGES)]);
  return {
    agent: actor.agent,
    claimed,
    heldElsewhere,
    ready,
    reviews,
    blocked: blocked.map((t) => ({ ...t, waitsOn: (t.blockedOnTaskId && blockers.get(t.blockedOnTaskId)) || null })),
    paused,
    inbox: { unread, newest },
  };
}

/**
 * Tells local subscribers (MCP resource subscriptions, SSE streams) about committed events — from this process
 * at once, from other processes via LISTEN/NOTIFY where the database has it, and by polling as the backstop
 * (the only channel on SQLite). Subscribers get each event once, in sequence order.
 */
export class ChangeFeed {
  private lastSeq = 0;
  private listeners = new Set<(events: SortieEvent[]) => void>();
  private timer: NodeJS.Timeout | null = null;
  private stopListen: (() => Promise<void>) | null = null;
  private polling = false;
  private again = false;
  /** The read in flight, so stop() can wait for it: closing PGlite under a running query never returns. */
  private current: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly pollMs = 500,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.lastSeq = await lastEventSeq(this.database.kysely);
    this.stopListen = await this.database
      .listen(() => this.wake())
      .catch((error) => {
        this.logger.warn({ err: error }, 'change feed: LISTEN unavailable, polling only');
        return null;
      });
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
  }

  subscribe(listener: (events: SortieEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads new events now (coalescing concurrent wake-ups into one read). `committed`, the last sequence number of a
   * commit of this process: with nobody listening there is nothing to read, and the feed only moves its mark to it
   * (a read of the counter after every commit was a statement per use case).
   */
  wake(committed?: number): void {
    if (this.stopped) return;
    if (committed !== undefined && this.listeners.size === 0) {
      this.lastSeq = Math.max(this.lastSeq, committed);
      return;
    }
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    this.current = this.poll().finally(() => {
      this.polling = false;
      this.current = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async poll(): Promise<void> {
    if (this.listeners.size === 0) {
      this.lastSeq = await lastEventSeq(this.database.kysely).catch(() => this.lastSeq);
      return;
    }
    try {
      for (;;) {
        const rows = await listEventRows(this.database.kysely, { since: this.lastSeq }, 500);
        if (rows.length === 0) return;
        this.lastSeq = rows[rows.length - 1].seq;
        const events = rows.map(toEvent);
        for (const listener of this.listeners) {
          try {
            listener(events);
          } catch (error) {
            this.logger.error({ err: error }, 'change feed listener failed');
          }
        }
        if (rows.length < 500) return;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'change feed poll failed; retrying');
    }
  }

  /** Stops polling and waits for a read in flight, so the caller may close the database right after. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.current) await this.current;
    await this.stopListen?.();
    this.stopListen = null;
    this.listeners.clear();
  }
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { listEvents, myWork };
