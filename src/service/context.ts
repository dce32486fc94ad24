// What every use case runs with: injected database, clock, ids, logger and verifier, and the unit of work.
import type { Logger } from 'pino';
import { type Clock, type IdGenerator, iso } from '../core/clock.js';
import type { Actor } from '../core/model.js';
import type { Database, Db } from '../db/database.js';
import type { NewEvent } from '../db/events-repo.js';
import { insertMessages } from '../db/messages-repo.js';
import type { MessagesTable } from '../db/schema.js';
import type { EvidenceVerifier } from './verifier.js';

export interface SortieConfig {
  /** Default lease length for claims, in ms (per-task leaseMinutes overrides it). */
  leaseMs: number;
  /** Project used when a call names none. */
  defaultProject: string;
}

export const DEFAULT_CONFIG: SortieConfig = { leaseMs: 30 * 60_000, defaultProject: 'default' };

export interface ServiceDeps {
  database: Database;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  config: SortieConfig;
  verifier: EvidenceVerifier;
  /** Called after a write transaction that recorded events has committed (wakes the local change feed). */
  onCommit?: (lastSeq: number) => void;
}

/** What a use case tells an agent; it joins the inbox with the sequence number of the event emitted just before. */
export interface Tell {
  to: string;
  kind: string;
  text: string;
  details?: Record<string, unknown>;
  /** What it is about, when not the causing event's task (a task waiting on the one that failed). */
  about?: { project: string; missionId: string | null; taskId: string | null };
  /**
   * Tell the actor's own agent too: for what concerns its other sessions (a claim taken over by this one), since
   * an inbox is the agent's, not a session's.
   */
  evenToSelf?: boolean;
}

/** A message waiting for its event's sequence number: `event` is the index of its event in Work.events. */
type PendingMessage = Omit<MessagesTable, 'seq'> & { event: number };

/** One write transaction: its connection, its timestamp, its actor, the events it will append and the messages it will send. */
export class Work {
  readonly events: NewEvent[] = [];
  readonly messages: PendingMessage[] = [];
  constructor(
    readonly tx: Db,
    readonly nowMs: number,
    readonly actor: Actor,
    private readonly newId: () => string,
  ) {}

  get now(): string {
    return iso(this.nowMs);
  }

  emit(kind: string, where: { project: string; missionId?: string | null; taskId?: string | null }, details: Record<string, unknown> = {}): void {
    this.events.push({
      at: this.now,
      actor: this.actor.agent,
      kind,
      project: where.project,
      mission_id: where.missionId ?? null,
      task_id: where.taskId ?? null,
      details: JSON.stringify(details),
    });
  }

  /**
   * Puts a message in an agent's inbox, caused by the event emitted last (so it commits with it, ordered by its
   * sequence number, and names the same project, mission and task). Nobody is told about their own act: a message
   * to the actor is dropped (null), and a repeat of the same kind to the same agent for the same event is the same
   * message. Returns the message's id.
   */
  tell(message: Tell): string | null {
    const event = this.events.length - 1;
    const cause = this.events[event];
    if (!cause) throw new Error('Work.tell: emit the event that causes a message first');
    if (message.to === this.actor.agent && !message.evenToSelf) return null;
    const repeat = this.messages.find((m) => m.event === event && m.agent === message.to && m.kind === message.kind);
    if (repeat) return repeat.id;
    const id = this.newId();
    this.messages.push({
      id,
      event,
      agent: message.to,
      kind: message.kind,
      project: message.about?.project ?? cause.project,
      mission_id: message.about ? message.about.missionId : cause.mission_id,
      task_id: message.about ? message.about.taskId : cause.task_id,
      author: this.actor.agent,
      text: message.text,
      details: JSON.stringify(message.details ?? {}),
      created_at: this.now,
      read_at: null,
    });
    return id;
  }
}

/**
 * Runs a use case as one write transaction: the change and its events commit together or not at all, so
 * nothing changes without its event and a refused call (any throw) changes nothing.
 */
export async function inWrite<T>(deps: ServiceDeps, actor: Actor, fn: (work: Work) => Promise<T>): Promise<T> {
  let lastSeq = 0;
  const result = await deps.database.write(async (tx) => {
    const work = new Work(tx, deps.clock.now(), actor, deps.ids);
    const value = await fn(work);
    if (work.events.length > 0) {
      lastSeq = await deps.database.appendEvents(tx, work.events);
      const first = lastSeq - work.events.length + 1;
      await insertMessages(
        tx,
        work.messages.map(({ event, ...m }) => ({ ...m, seq: first + event })),
      );
    }
    return value;
  });
  if (lastSeq > 0) deps.onCommit?.(lastSeq);
  return result;
}
