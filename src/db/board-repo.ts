// Read-side queries behind the dashboard: the board's aggregates, a mission's timeline, and who is active.
// Every figure is aggregated in SQL (GROUP BY over the shown missions) so the board costs a handful of queries
// whatever the number of missions: 500 missions / 20,000 tasks is four round trips, not 500.
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { MissionStatus, Priority, TaskStatus } from '../core/enums.js';
import { OPEN_TASK_STATUSES, TERMINAL_MISSION_STATUSES } from '../core/status-traits.js';
import type { Db } from './database.js';
import type { EventsTable, Schema } from './schema.js';
import { sqlStatusList } from './status-sql.js';
import { chunks, noOpenDependency } from './tasks-repo.js';

const OPEN_TASK_SQL = sqlStatusList(OPEN_TASK_STATUSES);
const TERMINAL_MISSION_SQL = sqlStatusList(TERMINAL_MISSION_STATUSES);

export interface BoardScope {
  /** Token scope: only these projects (undefined = all). */
  projects?: readonly string[];
  project?: string;
  pilot?: string;
}

export interface BoardMissionRow {
  id: string;
  project: string;
  name: string;
  priority: Priority;
  pilot: string;
  status: MissionStatus;
  progress: number | null;
  target_date: string | null;
  created_at: string;
  updated_at: string;
  template_name: string | null;
}

const BOARD_COLUMNS = ['id', 'project', 'name', 'priority', 'pilot', 'status', 'progress', 'target_date', 'created_at', 'updated_at', 'template_name'] as const;

/** The empty scope must match nothing: `in ()` is not valid SQL, so a NUL project name stands in for it. */
export function scopeList(projects: readonly string[]): string[] {
  return projects.length ? [...projects] : ['\u0000'];
}

function missionScope(scope: BoardScope) {
  return (eb: ExpressionBuilder<Schema, 'missions'>) => {
    const conds: Expression<SqlBool>[] = [];
    if (scope.projects !== undefined) conds.push(eb('project', 'in', scopeList(scope.projects)));
    if (scope.project !== undefined) conds.push(eb('project', '=', scope.project));
    if (scope.pilot !== undefined) conds.push(eb('pilot', '=', scope.pilot));
    return eb.and(conds);
  };
}

/** Every mission in the given stages (the open columns are never truncated), without briefs. */
export async function boardMissions(db: Db, scope: BoardScope, statuses: readonly MissionStatus[]): Promise<BoardMissionRow[]> {
  if (statuses.length === 0) return [];
  return db.selectFrom('missions').select(BOARD_COLUMNS).where(missionScope(scope)).where('status', 'in', statuses).execute();
}

/** The most recently updated missions of a closed stage: history grows without bound, the column does not. */
export async function recentMissions(db: Db, scope: BoardScope, status: MissionStatus, limit: number): Promise<BoardMissionRow[]> {
  return db
    .selectFrom('missions')
    .select(BOARD_COLUMNS)
    .where(missionScope(scope))
    .where('status', '=', status)
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** How many missions each stage holds (for "showing 50 of 312" on closed columns). */
export async function missionCountsByStatus(db: Db, scope: BoardScope): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('missions')
    .select(({ fn }) => ['status', fn.countAll<number>().as('n')])
    .where(missionScope(scope))
    .groupBy('status')
    .execute();
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

/** The projects and pilots the filters offer, within the token scope. */
export async function boardFilterOptions(db: Db, projects: readonly string[] | undefined): Promise<{ projects: string[]; pilots: string[] }> {
  const where = missionScope({ projects });
  const [p, q] = await Promise.all([
    db.selectFrom('missions').select('project').distinct().where(where).orderBy('project').execute(),
    db.selectFrom('missions').select('pilot').distinct().where(where).orderBy('pilot').execute(),
  ]);
  return { projects: p.map((r) => r.project), pilots: q.map((r) => r.pilot) };
}

export interface TaskAggregate {
  missionId: string;
  status: TaskStatus;
  n: number;
  /** In-progress tasks whose lease ran out (the sweep has not returned them to todo yet). */
  expired: number;
  /** Open tasks past their due date. */
  overdue: number;
}

/** Task counts per mission and status, with expired leases and overdue tasks, in one GROUP BY per 500 missions. */
export async function taskAggregates(db: Db, missionIds: readonly string[], nowIso: string): Promise<TaskAggregate[]> {
  const out: TaskAggregate[] = [];
  for (const chunk of chunks(missionIds, 500)) {
    const rows = await db
      .selectFrom('tasks')
      .select(({ fn }) => [
        'mission_id',
        'status',
        fn.countAll<number>().as('n'),
        sql<number>`sum(case when status = 'in_progress' and lease_expires_at is not null and lease_expires_at < ${nowIso} then 1 else 0 end)`.as('expired'),
        sql<number>`sum(case when status in ${OPEN_TASK_SQL} and due_date is not null and due_date < ${nowIso} then 1 else 0 end)`.as('overdue'),
      ])
      .where('mission_id', 'in', chunk)
      .groupBy(['mission_id', 'status'])
      .execute();
    for (const r of rows) {
      out.push({ missionId: r.mission_id as string, status: r.status, n: Number(r.n), expired: Number(r.expired), overdue: Number(r.overdue) });
    }
  }
  return out;
}

/**
 * Ready tasks nobody has claimed since `cutoffIso`, per executing mission. A task counts as waiting since the
 * later of its own last change and its last dependency closing; it is stalled when both are older than the
 * cutoff (a dependency closed within the window means the task only just became ready).
 */
export async function stalledCounts(db: Db, missionIds: readonly string[], cutoffIso: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const chunk of chunks(missionIds, 500)) {
    const rows = await db
      .selectFrom('tasks as t')
      .innerJoin('missions as m', 'm.id', 't.mission_id')
      .select(({ fn }) => ['t.mission_id', fn.countAll<number>().as('n')])
      .where('t.mission_id', 'in', chunk)
      .where('m.status', '=', 'execute')
      .where('t.status', '=', 'todo')
      .where('t.updated_at', '<', cutoffIso)
      .where(noOpenDependency('t.id', cutoffIso))
      .groupBy('t.mission_id')
      .execute();
    for (const r of rows) out.set(r.mission_id as string, Number(r.n));
  }
  return out;
}

export interface ExternalTaskRow {
  id: string;
  key: string | null;
  title: string;
  status: TaskStatus;
  mission_id: string | null;
  project: string;
}

/** Tasks outside a mission that its tasks depend on (cross-mission dependencies), for the graph. */
export async function tasksByIds(db: Db, ids: readonly string[]): Promise<ExternalTaskRow[]> {
  const out: ExternalTaskRow[] = [];
  for (const chunk of chunks(ids, 500)) {
    out.push(...(await db.selectFrom('tasks').select(['id', 'key', 'title', 'status', 'mission_id', 'project']).where('id', 'in', chunk).execute()));
  }
  return out;
}

/** A page of one mission's (or one task's) events, newest first, before a sequence number. */
export async function latestEvents(
  db: Db,
  where: { missionId?: string; taskId?: string; projects?: readonly string[] },
  before: number | null,
  limit: number,
): Promise<EventsTable[]> {
  let q = db.selectFrom('events').selectAll();
  if (where.missionId !== undefined) q = q.where('mission_id', '=', where.missionId);
  if (where.taskId !== undefined) q = q.where('task_id', '=', where.taskId);
  if (where.projects !== undefined) q = q.where('project', 'in', scopeList(where.projects));
  if (before !== null) q = q.where('seq', '<', before);
  return q.orderBy('seq', 'desc').limit(limit).execute();
}

export interface AgentActivityRow {
  agent: string;
  lastAt: string;
  events: number;
}

/** Each actor's last event and event count (the system actor included; the service decides what to show). */
export async function agentActivity(db: Db, scope: { projects?: readonly string[]; project?: string }): Promise<AgentActivityRow[]> {
  let q = db.selectFrom('events').select(({ fn }) => ['actor', fn.max('at').as('last_at'), fn.countAll<number>().as('n')]);
  if (scope.projects !== undefined) q = q.where('project', 'in', scopeList(scope.projects));
  if (scope.project !== undefined) q = q.where('project', '=', scope.project);
  const rows = await q.groupBy('actor').execute();
  return rows.map((r) => ({ agent: r.actor, lastAt: r.last_at as string, events: Number(r.n) }));
}

export interface HeldTaskRow {
  id: string;
  key: string | null;
  title: string;
  status: TaskStatus;
  mission_id: string | null;
  mission_name: string | null;
  project: string;
  claimed_by: string;
  claimed_by_instance: string | null;
  lease_expires_at: string | null;
}

/** Every open task someone holds a claim on, with its mission's name. */
export async function heldTasks(db: Db, scope: { projects?: readonly string[]; project?: string }): Promise<HeldTaskRow[]> {
  let q = db
    .selectFrom('tasks as t')
    .leftJoin('missions as m', 'm.id', 't.mission_id')
    .select([
      't.id',
      't.key',
      't.title',
      't.status',
      't.mission_id',
      'm.name as mission_name',
      't.project',
      't.claimed_by',
      't.claimed_by_instance',
      't.lease_expires_at',
    ])
    .where('t.claimed_by', 'is not', null)
    .where('t.status', 'in', OPEN_TASK_STATUSES);
  if (scope.projects !== undefined) q = q.where('t.project', 'in', scopeList(scope.projects));
  if (scope.project !== undefined) q = q.where('t.project', '=', scope.project);
  const rows = await q.orderBy('t.lease_expires_at').execute();
  return rows.map((r) => ({ ...r, claimed_by: r.claimed_by as string }));
}

export interface AgentWorkload {
  /** Open tasks assigned to each agent. */
  assigned: Map<string, number>;
  /** Per agent: missions it pilots and belongs to (open ones counted), every member listed. */
  missions: Map<string, { piloting: number; member: number }>;
}

/** Assigned open work and mission membership per agent, for the agents page. */
export async function agentWorkload(db: Db, scope: { projects?: readonly string[]; project?: string }): Promise<AgentWorkload> {
  let assignedQ = db
    .selectFrom('tasks')
    .select(({ fn }) => ['assigned_to', fn.countAll<number>().as('n')])
    .where('assigned_to', 'is not', null)
    .where('status', 'in', OPEN_TASK_STATUSES);
  let membersQ = db
    .selectFrom('mission_members as mm')
    .innerJoin('missions as m', 'm.id', 'mm.mission_id')
    .select([
      'mm.agent',
      sql<number>`sum(case when mm.role = 'pilot' and m.status not in ${TERMINAL_MISSION_SQL} then 1 else 0 end)`.as('piloting'),
      sql<number>`sum(case when m.status not in ${TERMINAL_MISSION_SQL} then 1 else 0 end)`.as('member'),
    ]);
  if (scope.projects !== undefined) {
    assignedQ = assignedQ.where('project', 'in', scopeList(scope.projects));
    membersQ = membersQ.where('m.project', 'in', scopeList(scope.projects));
  }
  if (scope.project !== undefined) {
    assignedQ = assignedQ.where('project', '=', scope.project);
    membersQ = membersQ.where('m.project', '=', scope.project);
  }
  const [assigned, members] = await Promise.all([assignedQ.groupBy('assigned_to').execute(), membersQ.groupBy('mm.agent').execute()]);
  return {
    assigned: new Map(assigned.map((r) => [r.assigned_to as string, Number(r.n)])),
    missions: new Map(members.map((r) => [r.agent, { piloting: Number(r.piloting), member: Number(r.member) }])),
  };
}
