// Finding what a caller names, and what a caller may see: out-of-scope ids answer exactly like missing ones.
// The token's projects go into the lookup query itself, so an id from another project costs the same one query,
// takes no lock, and fails with the same NOT_FOUND code and message as an id that never existed.
import { z } from 'zod';
import { DomainError, echo, notFound, validationFailed } from '../core/errors.js';
import type { Actor } from '../core/model.js';
import type { MissionParties, TaskParties } from '../core/policy.js';
import type { Database, Db } from '../db/database.js';
import { findMissionsByName, getMissionRow, lockMissionRow, shareMissionRow } from '../db/missions-repo.js';
import type { MissionsTable, TasksTable } from '../db/schema.js';
import { findTaskIdByKey, getTaskMissionId, getTaskRow, getTaskRowAndRepo, lockTaskRow } from '../db/tasks-repo.js';
import type { ServiceDeps } from './context.js';

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
const KEY_RE = /^T(\d{1,6})$/i;

export function canSeeProject(actor: Actor, project: string): boolean {
  return actor.projects === undefined || actor.projects.includes(project);
}

/**
 * The project a call that names none works in: a token scoped to exactly one project makes that one the default;
 * otherwise (no token, an unscoped one, or several projects) the configured default, which a scoped token may not
 * cover (NOT_FOUND then, as for any project outside it). Every use case that defaults a project asks this.
 */
export function defaultProjectFor(deps: Pick<ServiceDeps, 'config'>, actor: Actor): string {
  return actor.projects?.length === 1 ? actor.projects[0] : deps.config.defaultProject;
}

/** Refuses a project outside the caller's token scope as NOT_FOUND, like a project with nothing in it. */
export function assertProjectVisible(actor: Actor, project: string): void {
  if (!canSeeProject(actor, project)) {
    throw new DomainError('NOT_FOUND', `project ${project} not found`, 'Check the project name; your token may not cover it.', {
      kind: 'project',
      ref: project,
    });
  }
}

export interface TaskRef {
  taskId: string;
  missionId?: string | null;
}

/** The fields that name a task, opening every task use case's input schema (the names of the MCP arguments). */
export const TaskRefFields = {
  taskId: z.string().describe('Id, or T-key with missionId'),
  missionId: z.string().nullable().optional(),
};

/** Whether a task reference is a mission-local key (T3), which needs its missionId, rather than a task id. */
export function isTaskKey(ref: string): boolean {
  return KEY_RE.test(ref.trim());
}

/**
 * Resolves a ULID or a mission-local key (T3, with missionId) to the task id, or NOT_FOUND. A missionId given with a
 * task id must name a visible mission that holds the task: a caller's claim about where the task is, never ignored.
 */
export async function resolveTaskId(db: Db, actor: Actor, ref: TaskRef): Promise<string> {
  const raw = ref.taskId.trim();
  const key = KEY_RE.exec(raw);
  if (key) {
    if (!ref.missionId) {
      throw validationFailed('missionId', `task key ${echo(raw)} needs the missionId it belongs to`, 'Pass missionId with a T-key, or use the task id.');
    }
    const missionId = await resolveMissionId(db, actor, ref.missionId);
    const id = await findTaskIdByKey(db, missionId, Number(key[1]), actor.projects);
    if (!id) throw notFound('task', `${raw} of mission ${ref.missionId}`);
    return id;
  }
  if (ref.missionId) {
    const mission = await readMission(db, actor, ref.missionId);
    // Scoped like every lookup: a task the caller cannot see falls through to the same NOT_FOUND as a missing one.
    const holder = await getTaskMissionId(db, raw, actor.projects);
    if (holder !== undefined && holder !== mission.id) {
      throw new DomainError(
        'NOT_FOUND',
        `task ${raw} not found in mission ${ref.missionId}`,
        holder === null
          ? 'That task belongs to no mission: drop missionId (a task id alone names it).'
          : 'That task belongs to another mission: drop missionId (a task id alone names it), or pass the mission that holds it (get_task shows it).',
        { kind: 'task', ref: raw, missionId: mission.id },
      );
    }
  }
  return raw;
}

async function visibleTask(row: TasksTable | undefined, actor: Actor, ref: string): Promise<TasksTable> {
  if (!row || !canSeeProject(actor, row.project)) throw notFound('task', ref);
  return row;
}

export async function readTask(db: Db, actor: Actor, ref: TaskRef): Promise<TasksTable> {
  const id = await resolveTaskId(db, actor, ref);
  return visibleTask(await getTaskRow(db, id, actor.projects), actor, ref.taskId);
}

/** readTask, with the task's project's repository (see getTaskRowAndRepo). */
export async function readTaskAndRepo(db: Db, actor: Actor, ref: TaskRef): Promise<{ row: TasksTable; repo: string | null }> {
  const id = await resolveTaskId(db, actor, ref);
  const found = await getTaskRowAndRepo(db, id, actor.projects);
  return { row: await visibleTask(found?.row, actor, ref.taskId), repo: found?.repo ?? null };
}

export async function lockTask(database: Database, tx: Db, actor: Actor, ref: TaskRef): Promise<TasksTable> {
  const id = await resolveTaskId(tx, actor, ref);
  return visibleTask(await lockTaskRow(database, tx, id, actor.projects), actor, ref.taskId);
}

/** Resolves a mission id, or a mission name when it names exactly one visible mission. */
export async function resolveMissionId(db: Db, actor: Actor, ref: string): Promise<string> {
  const raw = ref.trim();
  if (ULID_RE.test(raw)) return raw.toUpperCase();
  const rows = await findMissionsByName(db, raw, actor.projects);
  if (rows.length === 1) return rows[0].id;
  if (rows.length > 1) {
    throw validationFailed(
      'missionId',
      `${rows.length} missions are named "${echo(raw)}"`,
      `Use the mission id: ${rows.map((r) => `${r.id} (${r.project}, ${r.status})`).join(', ')}.`,
    );
  }
  throw notFound('mission', raw);
}

export async function readMission(db: Db, actor: Actor, ref: string): Promise<MissionsTable> {
  const id = await resolveMissionId(db, actor, ref);
  const row = await getMissionRow(db, id, actor.projects);
  if (!row || !canSeeProject(actor, row.project)) throw notFound('mission', ref);
  return row;
}

export async function lockMission(database: Database, tx: Db, actor: Actor, ref: string): Promise<MissionsTable> {
  const id = await resolveMissionId(tx, actor, ref);
  const row = await lockMissionRow(database, tx, id, actor.projects);
  if (!row || !canSeeProject(actor, row.project)) throw notFound('mission', ref);
  return row;
}

/** A mission row's parties, for the ownership rules of core/policy.ts. */
export function missionParties(row: Pick<MissionsTable, 'pilot' | 'created_by'>): MissionParties {
  return { pilot: row.pilot, createdBy: row.created_by };
}

/** A task row's parties, for the ownership rules of core/policy.ts. */
export function taskParties(row: Pick<TasksTable, 'created_by' | 'assigned_to' | 'claimed_by' | 'last_holder'>): TaskParties {
  return { createdBy: row.created_by, assignedTo: row.assigned_to, claimedBy: row.claimed_by, lastHolder: row.last_holder };
}

/**
 * Locks a task's mission, then the task — always in that order in every use case that needs both, so two writers
 * on PostgreSQL can never wait on each other in a cycle. The mission lookup is scoped like every lookup: a task
 * outside the caller's projects never gets its mission locked (or waited on). `missionId`, the task's mission as a
 * read before the transaction saw it, saves looking it up again; a task that moved since is locked again the long
 * way (then task before mission: PostgreSQL breaks a deadlock that this could make, and write() retries).
 * `missionLock: 'share'` (completions) lets closers of one mission's tasks run side by side on PostgreSQL; a change
 * of the mission itself still waits for them.
 */
export async function lockTaskAndMission(
  database: Database,
  tx: Db,
  actor: Actor,
  ref: TaskRef,
  missionId?: string | null,
  missionLock: 'update' | 'share' = 'update',
): Promise<{ row: TasksTable; mission: MissionsTable | null }> {
  const id = await resolveTaskId(tx, actor, ref);
  const known = missionId !== undefined ? missionId : await getTaskMissionId(tx, id, actor.projects);
  const lock = missionLock === 'share' ? shareMissionRow : lockMissionRow;
  const mission = known ? ((await lock(database, tx, known)) ?? null) : null;
  const row = await lockTask(database, tx, actor, { taskId: id });
  if (missionId !== undefined && row.mission_id !== (mission?.id ?? null))
    return lockTaskAndMission(database, tx, actor, { taskId: id }, undefined, missionLock);
  return { row, mission };
}
