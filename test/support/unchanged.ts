// "A refused call changes nothing": snapshots of every engine table and the event feed, taken around a refusal.
import { expect } from 'vitest';
import type { DomainError, ErrorCode } from '../../src/core/errors.js';
import { lastEventSeq } from '../../src/db/events-repo.js';
import { refused } from './refusal.js';
import type { TestSortie } from './sortie.js';

const TABLES = [
  'missions',
  'mission_members',
  'tasks',
  'task_deps',
  'evidence',
  'events',
  'messages',
  'counters',
  'projects',
  'github_links',
  'github_deliveries',
  'github_issues',
  'github_pulls',
  'github_checks',
] as const;

/** Every row of every engine table, in a stable order. */
export async function snapshot(t: TestSortie): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    // biome-ignore lint/suspicious/noExplicitAny: a generic dump over the engine's tables
    const rows = await (t.database.kysely as any).selectFrom(table).selectAll().execute();
    out[table] = rows.map((r: unknown) => JSON.stringify(r)).sort();
  }
  return out;
}

/**
 * Runs a call that must be refused with `code` and proves it changed nothing: the same rows in every table, and
 * list_events after the previous last sequence number returns nothing.
 */
export async function refusedUnchanged(t: TestSortie, code: ErrorCode, run: () => Promise<unknown>): Promise<DomainError> {
  const before = await snapshot(t);
  const seq = await lastEventSeq(t.database.kysely);
  const error = await refused(code, run());
  expect(await snapshot(t)).toEqual(before);
  const feed = await t.sortie.listEvents({ agent: 'auditor' }, { since: seq });
  expect(feed.items).toEqual([]);
  expect(feed.lastSeq).toBe(seq);
  return error;
}

/** The kinds of the events recorded after `since`, in order. */
export async function eventKindsSince(t: TestSortie, since: number, filter: { missionId?: string; taskId?: string } = {}): Promise<string[]> {
  const page = await t.sortie.listEvents({ agent: 'auditor' }, { since, ...filter, limit: 500 });
  return page.items.map((e) => e.kind);
}

export function currentSeq(t: TestSortie): Promise<number> {
  return lastEventSeq(t.database.kysely);
}
