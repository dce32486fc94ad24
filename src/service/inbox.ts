// Every agent's inbox: what concerns it — assignments, unblocked or failed blockers, reviews, lost leases, mission
// stages, messages from peers — written by the use case that caused it, in the same transaction (Work.tell), and
// read here oldest first until the agent acknowledges it. Events stay the audit trail; the inbox is the to-do list.
import { z } from 'zod';
import { forbidden, validationFailed } from '../core/errors.js';
import { Name } from '../core/identity.js';
import type { Actor, InboxMessage, Task } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { markRead, messageSubjects, recentMessages, unreadCounts, unreadMessages } from '../db/messages-repo.js';
import { sharedMission } from '../db/missions-repo.js';
import { decodeCursor, encodeCursor } from '../db/rows.js';
import type { MessagesTable } from '../db/schema.js';
import { listTaskRows, reviewTasksFor } from '../db/tasks-repo.js';
import { readMission, readTask } from './access.js';
import { inWrite, type ServiceDeps } from './context.js';
import { parseInput, SeqInput, WaitSeconds } from './inputs.js';
import { taskViews } from './views.js';

/** The longest message an agent may send: a note to a peer, not a document (link the document instead). */
export const MAX_MESSAGE = 4000;
/** How long in progress, or waiting in review, before check_messages surfaces a task as stale. */
export const DEFAULT_STALE_MINUTES = 120;

const MessageIds = z.array(z.string().trim().min(1).max(100)).max(200);

export const CheckMessagesInput = z.object({
  limit: z.number().int().min(1).max(100).optional().describe('Default 20'),
  cursor: z.string().max(200).optional(),
  ackUpToSeq: SeqInput.optional().describe('First ack all up to this seq (your last lastSeq)'),
  staleAfterMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional()
    .describe(`Stale after (default ${DEFAULT_STALE_MINUTES})`),
  // Taken by the waiting call (awaitMessages in waiting.ts), not by the read.
  waitSeconds: WaitSeconds.optional().describe('Wait up to this long for a message'),
});
export type CheckMessagesInput = z.input<typeof CheckMessagesInput>;

export const AckMessagesInput = z.object({
  ids: MessageIds.optional(),
  upToSeq: SeqInput.optional().describe('Ack all up to this seq'),
});
export type AckMessagesInput = z.input<typeof AckMessagesInput>;

export const SendMessageInput = z.object({
  to: Name.describe('An agent of a mission you share'),
  text: z.string().trim().min(1).max(MAX_MESSAGE).describe('Shown labelled as yours'),
  missionId: z.string().max(100).optional().describe('Default: newest shared'),
  taskId: z.string().max(100).optional().describe('Task it is about'),
});
export type SendMessageInput = z.input<typeof SendMessageInput>;

export const InboxInput = z.object({
  limit: z.number().int().min(1).max(200).optional().describe('Default 20'),
  all: z.boolean().optional().describe('Read messages too, newest first'),
});
export type InboxInput = z.input<typeof InboxInput>;

export interface StaleWork {
  /** Your tasks in progress since before the threshold: heartbeat and finish them, or release or block them. */
  inProgress: Task[];
  /** Tasks in review waiting on you since before the threshold. */
  reviews: Task[];
  staleAfterMinutes: number;
}

export interface InboxPage {
  messages: InboxMessage[];
  /** Unread messages in all (after any acknowledgement this call made). */
  unread: number;
  nextCursor: string | null;
  /** The seq of the last message returned: pass it as ackUpToSeq (or ack_messages upToSeq) once handled. */
  lastSeq: number | null;
  acknowledged: number;
  stale: StaleWork;
}

export function toMessage(row: MessagesTable): InboxMessage {
  return {
    id: row.id,
    seq: Number(row.seq),
    kind: row.kind,
    at: row.created_at,
    from: row.author,
    project: row.project,
    missionId: row.mission_id,
    taskId: row.task_id,
    text: row.text,
    details: JSON.parse(row.details) as Record<string, unknown>,
    read: row.read_at !== null,
  };
}

function scopeOf(actor: Actor) {
  return { agent: actor.agent, projects: actor.projects };
}

/** The caller's unread messages. */
export async function unreadCount(deps: ServiceDeps, actor: Actor): Promise<number> {
  return (await unreadCounts(deps.database.kysely, [actor.agent], actor.projects)).get(actor.agent) ?? 0;
}

/** The newest unread messages, newest first (my_work shows a few). */
export async function newestUnread(deps: ServiceDeps, actor: Actor, limit: number): Promise<InboxMessage[]> {
  return (await recentMessages(deps.database.kysely, scopeOf(actor), limit, true)).map(toMessage);
}

/** Acknowledges, inside one write, what the agent names; returns how many messages became read. */
async function acknowledge(deps: ServiceDeps, actor: Actor, ack: { ids?: readonly string[]; upToSeq?: number }): Promise<number> {
  if (!ack.ids?.length && ack.upToSeq === undefined) return 0;
  // Acknowledging is bookkeeping of the agent's own inbox, not a change of the work: it records no event.
  return inWrite(deps, actor, (work) => markRead(work.tx, scopeOf(actor), ack, work.now));
}

/** The caller's tasks in progress, and reviews waiting on it, for longer than the threshold. */
async function staleWork(deps: ServiceDeps, actor: Actor, minutes: number): Promise<StaleWork> {
  const db = deps.database.kysely;
  const cutoff = new Date(deps.clock.now() - minutes * 60_000).toISOString();
  const held = await listTaskRows(db, { projects: actor.projects, claimedBy: actor.agent, statuses: ['in_progress'] }, 'queue', 50, null);
  const reviews = await reviewTasksFor(db, actor.agent, actor.projects, 50);
  const [inProgress, waiting] = await Promise.all([
    taskViews(db, held.filter((r) => (r.started_at ?? r.updated_at) < cutoff).slice(0, 10), false),
    taskViews(db, reviews.filter((r) => r.updated_at < cutoff).slice(0, 10), false),
  ]);
  return { inProgress, reviews: waiting, staleAfterMinutes: minutes };
}

/**
 * check_messages: the caller's unread messages, oldest first and paged, plus its stale work. ackUpToSeq first
 * acknowledges what the agent handled, so one call per loop both acknowledges and reads on.
 */
export async function checkMessages(deps: ServiceDeps, actor: Actor, raw: CheckMessagesInput): Promise<InboxPage> {
  authorize(actor, 'read');
  const input = parseInput(CheckMessagesInput, raw);
  const limit = input.limit ?? 20;
  const after = decodeCursor(input.cursor);
  if (after && (after.length !== 2 || typeof after[0] !== 'number' || typeof after[1] !== 'string')) {
    throw validationFailed('cursor', 'is not a check_messages cursor', 'Pass the nextCursor of the previous answer, or no cursor to start over.');
  }
  const acknowledged = await acknowledge(deps, actor, { upToSeq: input.ackUpToSeq });
  const db = deps.database.kysely;
  const rows = await unreadMessages(db, scopeOf(actor), after ? { seq: after[0] as number, id: after[1] as string } : null, limit);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const [unread, stale] = await Promise.all([unreadCount(deps, actor), staleWork(deps, actor, input.staleAfterMinutes ?? DEFAULT_STALE_MINUTES)]);
  return {
    messages: page.map(toMessage),
    unread,
    nextCursor: rows.length > limit && last ? encodeCursor([Number(last.seq), last.id]) : null,
    lastSeq: last ? Number(last.seq) : null,
    acknowledged,
    stale,
  };
}

/** ack_messages: marks the caller's messages read, by id and/or up to a seq. Other agents' ids change nothing. */
export async function ackMessages(deps: ServiceDeps, actor: Actor, raw: AckMessagesInput): Promise<{ acknowledged: number; unread: number }> {
  authorize(actor, 'read');
  const input = parseInput(AckMessagesInput, raw);
  if (!input.ids?.length && input.upToSeq === undefined) {
    throw validationFailed(
      'ids',
      'name messages to acknowledge: ids, upToSeq or both',
      'Pass upToSeq: the seq of the last message you handled (check_messages lastSeq).',
    );
  }
  const acknowledged = await acknowledge(deps, actor, input);
  return { acknowledged, unread: await unreadCount(deps, actor) };
}

/** A message as a person's inbox shows it: also the key of its task and the name of its mission, when known. */
export interface InboxEntry extends InboxMessage {
  taskKey: string | null;
  missionName: string | null;
}

/** The caller's inbox for humans (`sortie inbox`): unread oldest first, or with `all` the newest, read or not. */
export async function inbox(deps: ServiceDeps, actor: Actor, raw: InboxInput): Promise<{ messages: InboxEntry[]; unread: number }> {
  authorize(actor, 'read');
  const input = parseInput(InboxInput, raw);
  const limit = input.limit ?? 20;
  const db = deps.database.kysely;
  const rows = input.all ? await recentMessages(db, scopeOf(actor), limit, false) : (await unreadMessages(db, scopeOf(actor), null, limit)).slice(0, limit);
  const [subjects, unread] = await Promise.all([messageSubjects(db, rows), unreadCount(deps, actor)]);
  const messages = rows.map((row) => ({
    ...toMessage(row),
    taskKey: row.task_id ? (subjects.taskKeys.get(row.task_id) ?? null) : null,
    missionName: row.mission_id ? (subjects.missionNames.get(row.mission_id) ?? null) : null,
  }));
  return { messages, unread };
}

/**
 * send_message: a note to an agent the sender shares a mission with (the named one, the task's, or the newest they
 * share). The text is stored as the sender's words and always shown labelled with its author.
 */
export async function sendMessage(deps: ServiceDeps, actor: Actor, raw: SendMessageInput) {
  authorize(actor, 'task.work');
  const input = parseInput(SendMessageInput, raw);
  if (input.to === actor.agent) throw validationFailed('to', 'is yourself', 'Send to another agent of the mission.');
  const db = deps.database.kysely;
  const task = input.taskId ? await readTask(db, actor, { taskId: input.taskId, missionId: input.missionId }) : null;
  const missionRef = task?.mission_id ?? (input.missionId ? (await readMission(db, actor, input.missionId)).id : undefined);
  const mission = await sharedMission(db, actor.agent, input.to, actor.projects, missionRef);
  if (!mission) {
    throw forbidden(
      missionRef ? `${actor.agent} and ${input.to} are not both pilot or agents of mission ${missionRef}` : `${actor.agent} shares no mission with ${input.to}`,
      'Messages go between agents of a shared mission; ask its pilot to add them (update_mission agents).',
    );
  }
  return inWrite(deps, actor, async (work) => {
    work.emit('message.sent', { project: mission.project, missionId: mission.id, taskId: task?.id ?? null }, { to: input.to, length: input.text.length });
    const messageId = work.tell({ to: input.to, kind: 'message', text: input.text }) as string;
    return { sent: true as const, messageId, to: input.to, missionId: mission.id, taskId: task?.id ?? null };
  });
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { checkMessages, ackMessages, sendMessage, inbox };
