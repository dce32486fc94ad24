// What every use case runs with: injected database, clock, ids, logger and verifier, and the unit of work.
import type { Logger } from 'pino';
import { type Clock, type IdGenerator, iso } from '../core/clock.js';
import type { Actor } from '../core/model.js';
import type { Database, Db } from '../db/database.js';
import { appendEvents, type NewEvent } from '../db/events-repo.js';
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

/** One write transaction: its connection, its timestamp, its actor and the events it will append. */
export class Work {
  readonly events: NewEvent[] = [];
  constructor(
    readonly tx: Db,
    readonly nowMs: number,
    readonly actor: Actor,
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
}

/**
 * Runs a use case as one write transaction: the change and its events commit together or not at all, so
 * nothing changes without its event and a refused call (any throw) changes nothing.
 */
export async function inWrite<T>(deps: ServiceDeps, actor: Actor, fn: (work: Work) => Promise<T>): Promise<T> {
  let lastSeq = 0;
  const result = await deps.database.write(async (tx) => {
    const work = new Work(tx, deps.clock.now(), actor);
    const value = await fn(work);
    if (work.events.length > 0) {
      lastSeq = await appendEvents(tx, work.events);
      await deps.database.notify(tx, lastSeq);
    }
    return value;
  });
  if (lastSeq > 0) deps.onCommit?.(lastSeq);
  return result;
}
