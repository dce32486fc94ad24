// Task persistence: rows, dependency edges, the ready queue and lease sweeps. Concurrency-critical SQL stays visible.
import { type RawBuilder, type SqlBool, sql, type Updateable } from 'kysely';
import type { TaskStatus } from '../core/enums.js';
import { DEFAULT_MAX_IN_PROGRESS } from '../core/in-progress-limit.js';
import { OPEN_TASK_STATUSES, SATISFYING_STATUSES } from '../core/status-traits.js';
import type { ClaimedTask, ClaimNext, Database, Db } from './dialect.js';
import { type Prepared, prepared, preparedByShape, slots } from './prepared.js';
import type { DepInfo } from './rows.js';
import type { TasksTable } from './schema.js';
import { sqlStatusList } from './status-sql.js';

export type { ClaimedTask, ClaimNext };

const SATISFYING_SQL = sqlStatusList(SATISFYING_STATUSES);

/**
 * The dependency half of "ready": the task `taskId` (a column reference such as `t.id`) has no dependency that is
 * still open — done and cancelled satisfy, failed does not. With `closedSince`, a dependency that closed at or
 * after that instant also counts as open (the board's "stalled" figure: the task only just became ready).
 * Written once here because the ready queue, list_tasks ready:true, my_work and the board must agree on it.
 */
export function noOpenDependency(taskId: string, closedSince?: string): RawBuilder<SqlBool> {
  const recentlyClosed = closedSince === undefined ? sql`` : sql` or coalesce(dt.completed_at, dt.updated_at) >= ${closedSince}`;
  return sql<SqlBool>`not exists (select d.task_id from task_deps as d inner join tasks as dt on dt.id = d.depends_on_id where d.task_id = ${sql.ref(taskId)} and (dt.status not in ${SATISFYING_SQL}${recentlyClosed}))`;
}

/** The columns of a claim, cleared: a patch for every move that hands a task's claim back. */
export const CLAIM_CLEARED = { claimed_by: null, claimed_by_instance: null, lease_expires_at: null } as const;

export async function insertTask(tx: Db, row: TasksTable): Promise<void> {
  await tx.insertInto('tasks').values(row).execute();
}

/**
 * `projects` (a token's scope) is part of the WHERE clause, so a row outside it is neither read nor locked: the
 * caller gets undefined from the same single query a missing id gets, and another project's locks never delay it.
 */
export async function getTaskRow(db: Db, id: string, projects?: readonly string[]): Promise<TasksTable | undefined> {
  if (projects === undefined) return (await TASK_BY_ID.run(db, [id])).rows[0];
  return taskById(db, id, projects).executeTakeFirst();
}

function taskById(db: Db, id: unknown, projects?: readonly string[]) {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', id as string)
    .$if(projects !== undefined, (q) => q.where('project', 'in', projects as string[]));
}

// Prepared (db/prepared.ts): every task use case reads or locks its task by id, most without a token scope.
const TASK_BY_ID = prepared((db) => taskById(db, slots(1)[0]));

/**
 * A task row with its project's repository (null without one): what a completion reads before its transaction, to
 * verify the evidence against that repository — one statement instead of the task's and then the project's.
 */
export async function getTaskRowAndRepo(db: Db, id: string, projects?: readonly string[]): Promise<{ row: TasksTable; repo: string | null } | undefined> {
  const found = projects === undefined ? (await TASK_AND_REPO.run(db, [id])).rows[0] : await taskAndRepo(db, id, projects).executeTakeFirst();
  if (!found) return undefined;
  const { project_repo_path, ...row } = found;
  return { row: row as TasksTable, repo: project_repo_path ?? null };
}

function taskAndRepo(db: Db, id: unknown, projects?: readonly string[]) {
  return db
    .selectFrom('tasks')
    .leftJoin('projects', 'projects.name', 'tasks.project')
    .selectAll('tasks')
    .select('projects.repo_path as project_repo_path')
    .where('tasks.id', '=', id as string)
    .$if(projects !== undefined, (q) => q.where('tasks.project', 'in', projects as string[]));
}

const TASK_AND_REPO = prepared((db) => taskAndRepo(db, slots(1)[0]));
const LOCK_TASK_BY_ID = prepared((db, database: Database) => database.forUpdate(taskById(db, slots(1)[0])));

/** Reads a task and, on PostgreSQL, row-locks it until the transaction ends (scoped like getTaskRow). */
export async function lockTaskRow(database: Database, tx: Db, id: string, projects?: readonly string[]): Promise<TasksTable | undefined> {
  if (projects === undefined) return (await LOCK_TASK_BY_ID.run(tx, [id], database)).rows[0];
  return database.forUpdate(taskById(tx, id, projects)).executeTakeFirst();
}

/** The mission of a task (null when it has none), scoped like getTaskRow; undefined when not visible. */
export async function getTaskMissionId(db: Db, id: string, projects?: readonly string[]): Promise<string | null | undefined> {
  const row = await db
    .selectFrom('tasks')
    .select('mission_id')
    .where('id', '=', id)
    .$if(projects !== undefined, (q) => q.where('project', 'in', projects as string[]))
    .executeTakeFirst();
  return row ? row.mission_id : undefined;
}

/** Ids of a mission's tasks by T-key (keys upper-case, as stored); unknown keys are absent from the map. */
export async function taskIdsByKey(db: Db, missionId: string, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('tasks').select(['id', 'key']).where('mission_id', '=', missionId).where('key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.key as string, r.id]));
}

export async function findTaskIdByKey(db: Db, missionId: string, seq: number, projects?: readonly string[]): Promise<string | undefined> {
  const row = await db
    .selectFrom('tasks')
    .select('id')
    .where('mission_id', '=', missionId)
    .where('seq', '=', seq)
    .$if(projects !== undefined, (q) => q.where('project', 'in', projects as string[]))
    .executeTakeFirst();
  return row?.id;
}

export async function updateTaskRow(tx: Db, id: string, patch: Updateable<TasksTable>): Promise<void> {
  // Prepared per set of columns: each use case sets the same columns every time.
  // A column given as undefined is not set, as Kysely's set() leaves it out.
  const columns = (Object.keys(patch) as Array<keyof TasksTable>).filter((c) => patch[c] !== undefined);
  await UPDATE_TASK(columns.join(','), columns).run(tx, [...columns.map((c) => patch[c]), id]);
}

const UPDATE_TASK = preparedByShape((db, columns: Array<keyof TasksTable>) => {
  const values = slots(columns.length + 1);
  return db
    .updateTable('tasks')
    .set(Object.fromEntries(columns.map((c, i) => [c, values[i]])))
    .where('id', '=', values[columns.length]);
});

export async function deleteTaskRow(tx: Db, id: string): Promise<void> {
  await tx.deleteFrom('task_deps').where('task_id', '=', id).execute();
  await tx.deleteFrom('tasks').where('id', '=', id).execute();
}

/** Dependencies of each task with their current status, in the order they were added. */
export async function depsOf(db: Db, taskIds: readonly string[]): Promise<Map<string, DepInfo[]>> {
  const result = new Map<string, DepInfo[]>(taskIds.map((id) => [id, []]));
  for (const chunk of chunks(taskIds, 500)) {
    // One task (every task use case's answer) is a prepared statement; a list is built for its length.
    const rows = chunk.length === 1 ? (await DEPS_OF_ONE.run(db, chunk)).rows : await depsQuery(db, chunk).execute();
    for (const r of rows) result.get(r.task_id)?.push({ id: r.id, status: r.status });
  }
  return result;
}

function depsQuery(db: Db, taskIds: readonly unknown[]) {
  return db
    .selectFrom('task_deps as d')
    .innerJoin('tasks as t', 't.id', 'd.depends_on_id')
    .select(['d.task_id', 't.id', 't.status', 't.key'])
    .where('d.task_id', 'in', taskIds as string[])
    .orderBy('t.id');
}

const DEPS_OF_ONE = prepared((db) => depsQuery(db, slots(1)));

export async function dependentsOf(db: Db, taskId: string): Promise<string[]> {
  const rows = await db.selectFrom('task_deps').select('task_id').where('depends_on_id', '=', taskId).execute();
  return rows.map((r) => r.task_id);
}

export async function insertDeps(tx: Db, taskId: string, dependsOn: readonly string[]): Promise<void> {
  if (dependsOn.length === 0) return;
  await tx
    .insertInto('task_deps')
    .values(dependsOn.map((d) => ({ task_id: taskId, depends_on_id: d })))
    .execute();
}

export async function deleteDeps(tx: Db, taskId: string, dependsOn: readonly string[]): Promise<number> {
  if (dependsOn.length === 0) return 0;
  const result = await tx.deleteFrom('task_deps').where('task_id', '=', taskId).where('depends_on_id', 'in', dependsOn).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Which of these ids exist, with their mission and key (for labels and validation). */
export async function taskRefs(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, { id: string; key: string | null; missionId: string | null; project: string }>> {
  const out = new Map<string, { id: string; key: string | null; missionId: string | null; project: string }>();
  for (const chunk of chunks(ids, 500)) {
    const rows = await db.selectFrom('tasks').select(['id', 'key', 'mission_id', 'project']).where('id', 'in', chunk).execute();
    for (const r of rows) out.set(r.id, { id: r.id, key: r.key, missionId: r.mission_id, project: r.project });
  }
  return out;
}

/** Key and title of each of these tasks, for naming them in refusals. */
export async function taskTitles(db: Db, ids: readonly string[]): Promise<Map<string, { key: string | null; title: string }>> {
  const out = new Map<string, { key: string | null; title: string }>();
  for (const chunk of chunks(ids, 500)) {
    const rows = await db.selectFrom('tasks').select(['id', 'key', 'title']).where('id', 'in', chunk).execute();
    for (const r of rows) out.set(r.id, { key: r.key, title: r.title });
  }
  return out;
}

/**
 * The dependency edges reachable from `start` by following dependsOn: everything a cycle through a new edge
 * could use. Walks level by level, one query per level.
 */
export async function reachableEdges(db: Db, start: readonly string[]): Promise<Map<string, string[]>> {
  const edges = new Map<string, string[]>();
  let frontier = [...new Set(start)];
  while (frontier.length > 0) {
    for (const id of frontier) if (!edges.has(id)) edges.set(id, []);
    const next: string[] = [];
    for (const chunk of chunks(frontier, 500)) {
      const rows = await db.selectFrom('task_deps').select(['task_id', 'depends_on_id']).where('task_id', 'in', chunk).execute();
      for (const r of rows) {
        edges.get(r.task_id)?.push(r.depends_on_id);
        if (!edges.has(r.depends_on_id)) next.push(r.depends_on_id);
      }
    }
    frontier = [...new Set(next)];
  }
  return edges;
}

/**
 * Whether a mission still has an open task (OPEN_TASK_STATUSES). One index probe on
 * (mission_id, status) instead of reading every task: it runs each time a task closes, so a 1,000-task mission
 * must not make closing cost a thousand rows.
 */
export async function hasOpenTask(db: Db, missionId: string): Promise<boolean> {
  return (await HAS_OPEN_TASK.run(db, [missionId])).rows.length > 0;
}

const HAS_OPEN_TASK = prepared((db) =>
  db
    .selectFrom('tasks')
    .select('id')
    .where('mission_id', '=', slots(1)[0])
    // As literals: SQLite probes a literal list twice as fast as a bound one (21 → 10 µs here).
    .where(sql<SqlBool>`status in ${sqlStatusList(OPEN_TASK_STATUSES)}`)
    .limit(1),
);

/** Status of every task of a mission, with keys and titles, in key order. */
export async function missionTaskStatuses(db: Db, missionId: string): Promise<Array<{ id: string; key: string | null; title: string; status: TaskStatus }>> {
  const rows = await db.selectFrom('tasks').select(['id', 'key', 'title', 'status']).where('mission_id', '=', missionId).orderBy('seq').execute();
  return rows.map((r) => ({ id: r.id, key: r.key, title: r.title, status: r.status }));
}

export async function statusCountsByMission(db: Db, missionIds: readonly string[]): Promise<Map<string, Array<{ status: TaskStatus; n: number }>>> {
  const out = new Map<string, Array<{ status: TaskStatus; n: number }>>();
  for (const chunk of chunks(missionIds, 500)) {
    const rows = await db
      .selectFrom('tasks')
      .select(({ fn }) => ['mission_id', 'status', fn.countAll<number>().as('n')])
      .where('mission_id', 'in', chunk)
      .groupBy(['mission_id', 'status'])
      .execute();
    for (const r of rows) {
      const list = out.get(r.mission_id as string) ?? [];
      list.push({ status: r.status, n: Number(r.n) });
      out.set(r.mission_id as string, list);
    }
  }
  return out;
}

/**
 * Whether the task `t` is one the agent may claim now: todo, with no open dependency, assigned to the agent or
 * unassigned in a mission where it is pilot or agent (or in no mission), and in no mission or one in execute. The
 * one definition the claim statements (sqlite-claim.ts, postgres-claim.ts) and pickReadyTask share; `agent` is a value
 * or a prepared statement's slot.
 *
 * Eligibility is written with scalar subqueries, not EXISTS: PostgreSQL turns an EXISTS under OR into a hashed
 * subplan built from every executing mission and every membership of the agent (10,000 rows at 1M tasks), so the
 * claim grew with the number of missions. A scalar subquery is one index probe per queue row the walk visits.
 */
export function claimableBy(agent: unknown): RawBuilder<SqlBool> {
  const member = sql`(select mm.agent from mission_members as mm where mm.mission_id = t.mission_id and mm.agent = ${agent})`;
  const missionStatus = sql`(select m.status from missions as m where m.id = t.mission_id)`;
  return sql<SqlBool>`t.status = ${sql.lit('todo')}
    and (t.assigned_to = ${agent} or (t.assigned_to is null and (t.mission_id is null or ${member} is not null)))
    and (t.mission_id is null or ${missionStatus} = ${sql.lit('execute')})
    and ${noOpenDependency('t.id')}`;
}

/**
 * Whether the agent instance may start one more task in `t`'s project: fewer tasks in progress there (live leases)
 * than the project's limit — inProgressLimit of src/core/in-progress-limit.ts written as SQL (no setting: the
 * default; 0: no limit). Race-free only where the instance's claims are serialized (Database.lockClaimsOf) before
 * the statement that evaluates it begins. `instance` null is the agent's default instance.
 */
export function underInProgressLimit(agent: unknown, instance: unknown | null, now: unknown): RawBuilder<SqlBool> {
  const setting = sql`coalesce((select p.max_in_progress from projects as p where p.name = t.project), ${sql.lit(DEFAULT_MAX_IN_PROGRESS)})`;
  const sameInstance = instance === null ? sql`h.claimed_by_instance is null` : sql`h.claimed_by_instance = ${instance}`;
  const held = sql`(select count(*) from tasks as h where h.claimed_by = ${agent} and h.status = ${sql.lit('in_progress')} and h.lease_expires_at > ${now} and ${sameInstance} and h.project = t.project)`;
  return sql<SqlBool>`(${setting} = 0 or ${held} < ${setting})`;
}

/** The filters of a claim, as SQL on `t`; `value` gives what to bind for each (the value, or a prepared slot). */
function claimFilters(c: Pick<ClaimNext, 'missionId' | 'project' | 'projects'>, value: (v: unknown) => unknown): RawBuilder<SqlBool> {
  const parts = [sql`1 = 1`];
  if (c.missionId !== undefined) parts.push(sql`t.mission_id = ${value(c.missionId)}`);
  if (c.project !== undefined) parts.push(sql`t.project = ${value(c.project)}`);
  if (c.projects?.length === 0) parts.push(sql`1 = 0`);
  else if (c.projects !== undefined) parts.push(sql`t.project in (${sql.join(c.projects.map(value))})`);
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

/** The parts of the claim statement a dialect wraps in its own UPDATE (sqlite-claim.ts, postgres-claim.ts). */
export interface ClaimParts {
  /** The SET list: the claim for the caller, with a fresh lease and epoch, clearing a pause. */
  set: RawBuilder<unknown>;
  /** The WHERE of the pick on `tasks as t`: claimable by the caller, under its in-progress limit, within its filters. */
  where: RawBuilder<SqlBool>;
}

/** What the claim statement returns besides the task's columns (ClaimedTask): two probes of the claimed row's id. */
export const CLAIMED_EXTRAS = sql`exists (select 1 from task_deps as cd where cd.task_id = tasks.id) as claimed_has_deps,
  exists (select 1 from evidence as ce where ce.task_id = tasks.id) as claimed_has_evidence`;

/** The claim statement's row as a ClaimedTask (SQLite answers the probes 0 or 1, PostgreSQL true or false). */
export function toClaimed(raw: (TasksTable & { claimed_has_deps: unknown; claimed_has_evidence: unknown }) | undefined): ClaimedTask | undefined {
  if (!raw) return undefined;
  const { claimed_has_deps, claimed_has_evidence, ...row } = raw;
  return { row: row as TasksTable, hasDeps: Boolean(claimed_has_deps), hasEvidence: Boolean(claimed_has_evidence) };
}

/**
 * claim_next_task's statement for the shape of `c` (which filters, which kind of instance), compiled once per dialect
 * and shape by `wrap` — the dialect's own UPDATE around the parts — and the values of this call in its slot order.
 */
export function claimNextStatement(
  c: ClaimNext,
  cache: Map<string, Prepared<TasksTable>>,
  wrap: (parts: ClaimParts) => RawBuilder<TasksTable>,
): { statement: Prepared<TasksTable>; values: unknown[] } {
  const values: unknown[] = [c.agent, c.instance, c.now, c.lease, c.fixedLease ? c.lease : null];
  const extra: unknown[] = [c.missionId, c.project, ...(c.projects ?? [])].filter((v) => v !== undefined);
  const shape = `${c.missionId !== undefined}:${c.project !== undefined}:${c.projects?.length ?? 'all'}:${c.instance === null}`;
  let statement = cache.get(shape);
  if (!statement) {
    statement = prepared(() => {
      const s = slots(values.length + extra.length);
      const [agent, instance, now, lease, fixedLease] = s;
      let next = values.length;
      const set = sql`status = ${sql.lit('in_progress')}, claimed_by = ${agent}, claimed_by_instance = ${instance}, last_holder = ${agent},
        lease_expires_at = case when lease_ms is null then ${lease} else ${fixedLease} end, epoch = epoch + 1,
        started_at = coalesce(started_at, ${now}), paused_at = null, paused_reason = null, updated_at = ${now}`;
      const where = sql<SqlBool>`${claimableBy(agent)} and ${underInProgressLimit(agent, c.instance === null ? null : instance, now)} and ${claimFilters(c, () => s[next++])}`;
      return wrap({ set, where });
    });
    cache.set(shape, statement);
  }
  return { statement, values: [...values, ...extra] };
}

/**
 * Picks the best ready task the agent may claim (claimableBy), most urgent first, then oldest — read only, without
 * the in-progress limit: claim_next_task's answer when its claim found nothing, to name a task waiting behind it.
 */
export async function pickReadyTask(tx: Db, filter: Pick<ClaimNext, 'agent' | 'missionId' | 'project' | 'projects'>): Promise<TasksTable | undefined> {
  return tx
    .selectFrom('tasks as t')
    .selectAll('t')
    .where(claimableBy(filter.agent))
    .where(claimFilters(filter, (v) => v))
    .orderBy('t.urgency')
    .orderBy('t.id')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The tasks an agent instance holds in progress with a live lease — in one project, or in all — at most `limit`,
 * never the task `exceptId`: the in-progress limit's count, on every claim. Ids and projects only, no join and no
 * order, so it stays one short probe (an instance holds a handful of tasks). Claims of the default instance have no
 * instance name (null).
 */
export async function inProgressOf(
  db: Db,
  holder: { agent: string; instance: string | null; project?: string },
  nowIso: string,
  limit: number,
  exceptId?: string,
): Promise<Array<{ id: string; project: string }>> {
  const instance = holder.instance;
  return db
    .selectFrom('tasks')
    .select(['id', 'project'])
    .where('claimed_by', '=', holder.agent)
    .where('status', '=', 'in_progress')
    .where('lease_expires_at', '>', nowIso)
    .where((eb) => (instance === null ? eb('claimed_by_instance', 'is', null) : eb('claimed_by_instance', '=', instance)))
    .$if(holder.project !== undefined, (q) => q.where('project', '=', holder.project as string))
    .$if(exceptId !== undefined, (q) => q.where('id', '<>', exceptId as string))
    .limit(limit)
    .execute();
}

/** A task in progress as a refusal names it: key, title, mission. */
export interface HeldTask {
  id: string;
  key: string | null;
  title: string;
  mission_id: string | null;
  mission_name: string | null;
}

/** These tasks with their titles and mission names, in id order (for naming them in a refusal). */
export async function heldTasks(db: Db, ids: readonly string[]): Promise<HeldTask[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('tasks as t')
    .leftJoin('missions as m', 'm.id', 't.mission_id')
    .select(['t.id', 't.key', 't.title', 't.mission_id', 'm.name as mission_name'])
    .where('t.id', 'in', [...ids])
    .orderBy('t.id')
    .execute();
}

/** In-progress tasks whose lease ran out before `nowIso`, oldest expiry first (only in `projects` when given). */
export async function expiredLeases(database: Database, tx: Db, nowIso: string, limit: number, projects?: readonly string[]): Promise<TasksTable[]> {
  const query = tx
    .selectFrom('tasks')
    .selectAll()
    .where('status', '=', 'in_progress')
    .where('lease_expires_at', '<', nowIso)
    .$if(projects !== undefined, (q) => q.where('project', 'in', projects as string[]))
    .orderBy('lease_expires_at')
    .limit(limit);
  return database.forUpdateSkipLocked(query).execute();
}

/**
 * Whether any lease has run out before `nowIso`: a plain read without locks, so the periodic sweep on an idle
 * server (most sweeps find nothing) never takes the write lock.
 */
export async function anyExpiredLease(db: Db, nowIso: string, projects?: readonly string[]): Promise<boolean> {
  // Prepared: claim_next_task asks this before every claim.
  const row = projects === undefined ? (await ANY_EXPIRED.run(db, [nowIso])).rows[0] : await anyExpiredQuery(db, nowIso, projects).executeTakeFirst();
  return row !== undefined;
}

function anyExpiredQuery(db: Db, nowIso: unknown, projects?: readonly string[]) {
  return db
    .selectFrom('tasks')
    .select('id')
    .where('status', '=', 'in_progress')
    .where('lease_expires_at', '<', nowIso as string)
    .$if(projects !== undefined, (q) => q.where('project', 'in', projects as string[]))
    .limit(1);
}

const ANY_EXPIRED = prepared((db) => anyExpiredQuery(db, slots(1)[0]));

/**
 * Unassigned ready tasks of executing missions the agent is a member of, most urgent first (my_work's second
 * source, after the tasks assigned to it).
 */
export async function memberReadyTasks(db: Db, agent: string, projects: readonly string[] | undefined, limit: number): Promise<TasksTable[]> {
  return db
    .selectFrom('tasks as t')
    .innerJoin('mission_members as mm', 'mm.mission_id', 't.mission_id')
    .innerJoin('missions as m', 'm.id', 't.mission_id')
    .selectAll('t')
    .where('mm.agent', '=', agent)
    .where('m.status', '=', 'execute')
    .where('t.status', '=', 'todo')
    .where('t.assigned_to', 'is', null)
    .$if(projects !== undefined, (q) => q.where('t.project', 'in', projects as string[]))
    .where(noOpenDependency('t.id'))
    .orderBy('t.urgency')
    .orderBy('t.id')
    .limit(limit)
    .execute();
}

/**
 * Tasks in review that wait on the agent: it pilots or created their mission, or created the task. This is
 * `mayReview` of src/core/policy.ts written as a filter, so the list is one indexed query: a change to who reviews
 * changes both.
 */
export async function reviewTasksFor(db: Db, agent: string, projects: readonly string[] | undefined, limit: number): Promise<TasksTable[]> {
  return db
    .selectFrom('tasks as t')
    .leftJoin('missions as m', 'm.id', 't.mission_id')
    .selectAll('t')
    .where('t.status', '=', 'review')
    .where(({ eb, or }) => or([eb('m.pilot', '=', agent), eb('m.created_by', '=', agent), eb('t.created_by', '=', agent)]))
    .$if(projects !== undefined, (q) => q.where('t.project', 'in', projects as string[]))
    .orderBy('t.urgency')
    .orderBy('t.id')
    .limit(limit)
    .execute();
}

/**
 * Paused tasks of the agent (pause_task): todo tasks with a pause on record that it paused (their last holder) or
 * that are assigned to it, most urgent first — my_work's `paused` list: a walk of the partial index on paused tasks
 * (tasks_paused, migration 0008), which holds only those.
 */
export async function pausedTasksFor(db: Db, agent: string, projects: readonly string[] | undefined, limit: number): Promise<TasksTable[]> {
  return db
    .selectFrom('tasks as t')
    .selectAll('t')
    .where('t.status', '=', 'todo')
    .where('t.paused_at', 'is not', null)
    .where(({ eb, or }) => or([eb('t.last_holder', '=', agent), eb('t.assigned_to', '=', agent)]))
    .$if(projects !== undefined, (q) => q.where('t.project', 'in', projects as string[]))
    .orderBy('t.urgency')
    .orderBy('t.id')
    .limit(limit)
    .execute();
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface TaskListFilter {
  assignedTo?: string;
  statuses?: readonly TaskStatus[];
  missionId?: string;
  project?: string;
  projects?: readonly string[];
  createdBy?: string;
  claimedBy?: string;
  /** With claimedBy: only claims held through this instance (null: the agent's default instance), or through any other. */
  claimedByInstance?: { is: string | null } | { not: string | null };
  updatedSince?: string;
  ready?: boolean;
  /** Only tasks that can be worked now: in no mission, or in a mission in execute. */
  workable?: boolean;
}

export type TaskOrder = 'newest' | 'mission' | 'queue';

/**
 * One page of tasks by keyset: `queue` (urgency, id) for the ready queue, `mission` (seq) for a mission's
 * steps, `newest` (id desc) otherwise. Fetches limit + 1 rows so the caller knows whether a next page exists.
 */
export async function listTaskRows(
  db: Db,
  filter: TaskListFilter,
  order: TaskOrder,
  limit: number,
  after: Array<string | number> | null,
): Promise<TasksTable[]> {
  let q = db.selectFrom('tasks as t').selectAll('t');
  if (filter.assignedTo !== undefined) q = q.where('t.assigned_to', '=', filter.assignedTo);
  if (filter.statuses?.length) q = q.where('t.status', 'in', filter.statuses);
  if (filter.missionId !== undefined) q = q.where('t.mission_id', '=', filter.missionId);
  if (filter.project !== undefined) q = q.where('t.project', '=', filter.project);
  if (filter.projects !== undefined) q = q.where('t.project', 'in', filter.projects as string[]);
  if (filter.createdBy !== undefined) q = q.where('t.created_by', '=', filter.createdBy);
  if (filter.claimedBy !== undefined) q = q.where('t.claimed_by', '=', filter.claimedBy);
  const inst = filter.claimedByInstance;
  if (inst && 'is' in inst) q = inst.is === null ? q.where('t.claimed_by_instance', 'is', null) : q.where('t.claimed_by_instance', '=', inst.is);
  if (inst && 'not' in inst) {
    const other = inst.not;
    q =
      other === null
        ? q.where('t.claimed_by_instance', 'is not', null)
        : q.where(({ eb, or }) => or([eb('t.claimed_by_instance', 'is', null), eb('t.claimed_by_instance', '<>', other)]));
  }
  if (filter.updatedSince !== undefined) q = q.where('t.updated_at', '>=', filter.updatedSince);
  if (filter.workable) {
    q = q.where(({ eb, or, exists, selectFrom }) =>
      or([
        eb('t.mission_id', 'is', null),
        exists(selectFrom('missions as wm').select('wm.id').whereRef('wm.id', '=', 't.mission_id').where('wm.status', '=', 'execute')),
      ]),
    );
  }
  if (filter.ready) {
    q = q.where('t.status', '=', 'todo').where(noOpenDependency('t.id'));
  }
  if (order === 'queue') {
    if (after) {
      const [urgency, id] = after as [number, string];
      q = q.where(({ eb, or, and }) => or([eb('t.urgency', '>', urgency), and([eb('t.urgency', '=', urgency), eb('t.id', '>', id)])]));
    }
    q = q.orderBy('t.urgency').orderBy('t.id');
  } else if (order === 'mission') {
    if (after) q = q.where('t.seq', '>', after[0] as number);
    q = q.orderBy('t.seq');
  } else {
    if (after) q = q.where('t.id', '<', after[0] as string);
    q = q.orderBy('t.id', 'desc');
  }
  return q.limit(limit + 1).execute();
}

export function taskCursorKey(row: TasksTable, order: TaskOrder): Array<string | number> {
  if (order === 'queue') return [row.urgency, row.id];
  if (order === 'mission') return [row.seq ?? 0];
  return [row.id];
}

/** The blocked tasks waiting on a task (blocked_on_task_id), row-locked on PostgreSQL: they move when it closes. */
export async function lockWaitersOn(database: Database, tx: Db, taskId: string): Promise<TasksTable[]> {
  return (await LOCK_WAITERS.run(tx, [taskId], database)).rows;
}

// Prepared: every close asks it.
const LOCK_WAITERS = prepared((db, database: Database) =>
  database.forUpdate(db.selectFrom('tasks').selectAll().where('blocked_on_task_id', '=', slots(1)[0]).where('status', '=', 'blocked').orderBy('id')),
);
