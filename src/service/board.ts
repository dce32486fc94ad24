// The mission board: missions by lifecycle stage with both progress figures, task counts and warnings.

import { z } from 'zod';
import { iso } from '../core/clock.js';
import { type MissionStatus, type Priority, priorityRank } from '../core/enums.js';
import type { Actor } from '../core/model.js';
import { computedProgress, type TaskCounts } from '../core/progress.js';
import { isOpenMission, OPEN_MISSION_STATUSES } from '../core/status-traits.js';
import {
  type BoardMissionRow,
  type BoardScope,
  boardFilterOptions,
  boardMissions,
  missionCountsByStatus,
  recentMissions,
  stalledCounts,
  type TaskAggregate,
  taskAggregates,
} from '../db/board-repo.js';
import { lastEventSeq } from '../db/events-repo.js';
import { assertProjectVisible } from './access.js';
import type { ServiceDeps } from './context.js';
import { parseInput } from './inputs.js';
import { countsFrom } from './views.js';

/** How long a ready task may wait unclaimed before the board calls its mission stalled, unless configured. */
export const DEFAULT_STALLED_MINUTES = 30;
/** Closed columns show the most recently closed missions only; their totals are always exact. */
export const DEFAULT_CLOSED_LIMIT = 50;

export const BoardInput = z.object({
  project: z.string().trim().min(1).max(100).optional(),
  pilot: z.string().trim().min(1).max(100).optional(),
  includeCancelled: z.boolean().optional().describe('Add the cancelled column'),
  stalledMinutes: z.number().int().min(1).max(43_200).optional().describe('Minutes a ready task may wait unclaimed before it counts as stalled'),
  closedLimit: z.number().int().min(1).max(500).optional().describe('Cards shown in the complete and cancelled columns (most recent first)'),
});
export type BoardInput = z.input<typeof BoardInput>;

export interface MissionWarnings {
  /** Ready tasks of an executing mission that nobody claimed within the stalled threshold. */
  stalled: number;
  /** Claims whose lease ran out (until the sweep returns the task to todo). */
  expiredLeases: number;
  failed: number;
  /** The target date passed and the mission is not closed. */
  overdue: boolean;
  /** Open tasks past their due date. */
  overdueTasks: number;
}

export interface BoardCard {
  missionId: string;
  name: string;
  project: string;
  pilot: string;
  priority: Priority;
  status: MissionStatus;
  /** The pilot's reported figure (null until reported). */
  progress: number | null;
  /** done ÷ (all − cancelled), from the tasks. */
  computedProgress: number;
  taskCounts: TaskCounts;
  targetDate: string | null;
  templateName: string | null;
  updatedAt: string;
  warnings: MissionWarnings;
}

export interface BoardColumn {
  status: MissionStatus;
  /** Missions in this stage within the filters (closed columns may show fewer cards). */
  total: number;
  missions: BoardCard[];
}

export interface Board {
  generatedAt: string;
  /** The event sequence the board reflects at least: a change feed resumed from here misses nothing. */
  lastSeq: number;
  stalledMinutes: number;
  filters: { project: string | null; pilot: string | null; includeCancelled: boolean };
  /** What the project and pilot filters can choose from, within the caller's scope. */
  options: { projects: string[]; pilots: string[] };
  columns: BoardColumn[];
}

export function isOverdue(targetDate: string | null, status: MissionStatus, nowIso: string): boolean {
  return targetDate !== null && targetDate < nowIso && isOpenMission(status);
}

export interface MissionSummary {
  counts: TaskCounts;
  expired: number;
  overdueTasks: number;
  stalled: number;
}

/** Folds the per-status aggregate rows of each mission into counts and warnings. */
export function summarize(aggregates: readonly TaskAggregate[], stalled: ReadonlyMap<string, number>): Map<string, MissionSummary> {
  const groups = new Map<string, TaskAggregate[]>();
  for (const a of aggregates) {
    const list = groups.get(a.missionId) ?? [];
    list.push(a);
    groups.set(a.missionId, list);
  }
  const out = new Map<string, MissionSummary>();
  for (const [id, list] of groups) {
    out.set(id, {
      counts: countsFrom(list),
      expired: list.reduce((n, a) => n + a.expired, 0),
      overdueTasks: list.reduce((n, a) => n + a.overdue, 0),
      stalled: stalled.get(id) ?? 0,
    });
  }
  return out;
}

export function toCard(row: BoardMissionRow, summary: MissionSummary | undefined, nowIso: string): BoardCard {
  const counts = summary?.counts ?? countsFrom([]);
  return {
    missionId: row.id,
    name: row.name,
    project: row.project,
    pilot: row.pilot,
    priority: row.priority,
    status: row.status,
    progress: row.progress,
    computedProgress: computedProgress(counts),
    taskCounts: counts,
    targetDate: row.target_date,
    templateName: row.template_name,
    updatedAt: row.updated_at,
    warnings: {
      stalled: summary?.stalled ?? 0,
      expiredLeases: summary?.expired ?? 0,
      failed: counts.failed,
      overdue: isOverdue(row.target_date, row.status, nowIso),
      overdueTasks: summary?.overdueTasks ?? 0,
    },
  };
}

/** Most urgent first, then the nearest target date, then the most recently touched. */
function byUrgency(a: BoardCard, b: BoardCard): number {
  return (
    priorityRank(b.priority) - priorityRank(a.priority) ||
    (a.targetDate ?? '\uffff').localeCompare(b.targetDate ?? '\uffff') ||
    b.updatedAt.localeCompare(a.updatedAt) ||
    a.missionId.localeCompare(b.missionId)
  );
}

/**
 * The board in five queries whatever its size: the missions (open stages whole, closed stages capped), the
 * per-stage totals, one GROUP BY for task counts / expired leases / overdue tasks, one for stalled tasks, and the
 * filter options. Everything is scoped to the caller's projects.
 */
export async function getBoard(deps: ServiceDeps, actor: Actor, raw: BoardInput): Promise<Board> {
  const input = parseInput(BoardInput, raw);
  if (input.project) assertProjectVisible(actor, input.project);
  const db = deps.database.kysely;
  const nowMs = deps.clock.now();
  const nowIso = iso(nowMs);
  const stalledMinutes = input.stalledMinutes ?? DEFAULT_STALLED_MINUTES;
  const closedLimit = input.closedLimit ?? DEFAULT_CLOSED_LIMIT;
  const includeCancelled = input.includeCancelled ?? false;
  const scope: BoardScope = { projects: actor.projects, project: input.project, pilot: input.pilot };

  // Read the sequence first: anything committed after it is replayed to a feed resumed from it.
  const lastSeq = await lastEventSeq(db);
  const [open, complete, cancelled, totals, options] = await Promise.all([
    boardMissions(db, scope, OPEN_MISSION_STATUSES),
    recentMissions(db, scope, 'complete', closedLimit),
    includeCancelled ? recentMissions(db, scope, 'cancelled', closedLimit) : Promise.resolve([]),
    missionCountsByStatus(db, scope),
    boardFilterOptions(db, actor.projects),
  ]);
  const rows = [...open, ...complete, ...cancelled];
  const ids = rows.map((r) => r.id);
  const [aggregates, stalled] = await Promise.all([taskAggregates(db, ids, nowIso), stalledCounts(db, ids, iso(nowMs - stalledMinutes * 60_000))]);
  const summaries = summarize(aggregates, stalled);

  const stages: MissionStatus[] = [...OPEN_MISSION_STATUSES, 'complete', ...(includeCancelled ? (['cancelled'] as const) : [])];
  const byStage = new Map<MissionStatus, BoardCard[]>(stages.map((s) => [s, []]));
  for (const row of rows) byStage.get(row.status)?.push(toCard(row, summaries.get(row.id), nowIso));
  const columns = stages.map((status) => {
    const cards = byStage.get(status) ?? [];
    // Closed columns keep their most-recent-first order; open ones sort by urgency.
    if (isOpenMission(status)) cards.sort(byUrgency);
    return { status, total: totals.get(status) ?? 0, missions: cards };
  });
  return {
    generatedAt: nowIso,
    lastSeq,
    stalledMinutes,
    filters: { project: input.project ?? null, pilot: input.pilot ?? null, includeCancelled },
    options,
    columns,
  };
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { board: getBoard };
