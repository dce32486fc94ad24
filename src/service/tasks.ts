// Task use cases: create, read, list, edit, dependencies and delete — each one transaction with its events.
import { z } from 'zod';
import { assertAcyclic } from '../core/dependency-graph.js';
import { Priority, priorityRank, TaskStatus } from '../core/enums.js';
import { DomainError, echo, forbidden, validationFailed } from '../core/errors.js';
import { EvidenceRequirement } from '../core/evidence-tier.js';
import { Name } from '../core/identity.js';
import type { Actor, Page, Task } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { isMissionMember, isTaskManager, mayDeleteTask, mayEditTask } from '../core/policy.js';
import { isTerminalMission, isTerminalTask } from '../core/status-traits.js';
import { countTaskEvents } from '../db/events-repo.js';
import { countTaskEvidence } from '../db/evidence-repo.js';
import { updateMissionRow } from '../db/missions-repo.js';
import { decodeCursor, encodeCursor, parseStringList } from '../db/rows.js';
import type { MissionsTable, TasksTable } from '../db/schema.js';
import {
  deleteDeps,
  deleteTaskRow,
  dependentsOf,
  insertDeps,
  insertTask,
  listTaskRows,
  reachableEdges,
  type TaskOrder,
  taskCursorKey,
  taskIdsByKey,
  taskRefs,
  updateTaskRow,
} from '../db/tasks-repo.js';
import {
  assertProjectVisible,
  defaultProjectFor,
  lockMission,
  lockTask,
  lockTaskAndMission,
  missionParties,
  readMission,
  readTask,
  TaskRefFields,
  taskParties,
} from './access.js';
import { assertHolder, holdsLiveClaim } from './claims.js';
import { inWrite, type ServiceDeps, type Work } from './context.js';
import { asList, DateInput, MAX_KINDS, MAX_STATUSES, OneOrMany, pageLimit, parseInput, toIso } from './inputs.js';
import { tellAssigned, tellMissionMoved } from './notices.js';
import { assertRoster } from './roster.js';
import { taskView, taskViews } from './views.js';

const MAX_LEASE_MINUTES = 7 * 24 * 60;

export const CreateTaskInput = z.object({
  title: z.string().trim().min(1).max(500).describe('Short imperative title'),
  description: z.string().max(20_000).optional().describe('What to do, how to verify (markdown)'),
  missionId: z.string().optional(),
  project: Name.optional().describe('Default: the mission project'),
  assignedTo: Name.optional().describe('Omit: any mission agent may claim it'),
  assignedToInstance: Name.optional().describe('Instance of the assignee'),
  priority: Priority.default('medium').describe('low | medium | high | urgent'),
  status: z.literal('todo').optional().describe('Always todo'),
  dependsOn: OneOrMany.optional().describe(`Ids or T-keys to finish first`),
  tags: z.array(z.string().max(50)).max(50).optional(),
  requiredEvidence: z.array(EvidenceRequirement).max(MAX_KINDS).optional(),
  dueDate: DateInput.optional().describe('ISO date or epoch ms'),
  estimatedMinutes: z.number().int().min(0).max(1_000_000).optional(),
  leaseMinutes: z.number().int().min(1).max(MAX_LEASE_MINUTES).optional().describe('Lease minutes for claims'),
});
export type CreateTaskInput = z.input<typeof CreateTaskInput>;

/**
 * Creates one task inside an open unit of work; used by create_task and by bulk creation (templates). A caller that
 * has already checked the assignee against the roster rule for the whole batch (one query, not one per task) passes
 * `rosterChecked`.
 */
export async function createTaskIn(
  deps: ServiceDeps,
  work: Work,
  raw: CreateTaskInput,
  mission: MissionsTable | null,
  options: { rosterChecked?: boolean } = {},
): Promise<TasksTable> {
  const input = parseInput(CreateTaskInput, raw);
  const actor = work.actor;
  if (mission && isTerminalMission(mission.status)) {
    throw new DomainError(
      'MISSION_NOT_ACTIVE',
      `mission ${mission.name} is ${mission.status}; it takes no new tasks`,
      mission.status === 'complete'
        ? 'The pilot can reopen it (update_mission_status to execute with a reason).'
        : 'Create the task outside the mission or in another mission.',
      { missionStatus: mission.status },
    );
  }
  if (mission && input.project && input.project !== mission.project) {
    throw validationFailed('project', `the mission belongs to project ${mission.project}, not ${echo(input.project)}`);
  }
  const project = mission?.project ?? input.project ?? defaultProjectFor(deps, actor);
  assertProjectVisible(actor, project);
  if (mission && !isMissionMember(actor, missionParties(mission), parseStringList(mission.agents, 'agents'))) {
    throw forbidden(
      `${actor.agent} is not the pilot or an agent of mission ${mission.name}`,
      `Ask the pilot (${mission.pilot}) to add you to the mission's agents or to create the task.`,
    );
  }
  const dependsOn = await resolveDependencyRefs(work, actor, asList(input.dependsOn), mission, 'dependsOn');
  if (input.assignedTo && !options.rosterChecked) await assertRoster(work.tx, project, [{ field: 'assignedTo', agents: [input.assignedTo] }]);
  let seq: number | null = null;
  if (mission) {
    seq = mission.next_task_seq;
    mission.next_task_seq += 1;
    await updateMissionRow(work.tx, mission.id, { next_task_seq: mission.next_task_seq, updated_at: work.now });
  }
  const row: TasksTable = {
    id: deps.ids(),
    mission_id: mission?.id ?? null,
    seq,
    key: seq === null ? null : `T${seq}`,
    project,
    title: input.title,
    description: input.description ?? null,
    assigned_to: input.assignedTo ?? null,
    assigned_to_instance: input.assignedToInstance ?? null,
    priority: input.priority,
    urgency: 3 - priorityRank(input.priority),
    status: 'todo',
    tags: JSON.stringify(input.tags ?? []),
    required_evidence: JSON.stringify([...new Set(input.requiredEvidence ?? [])]),
    due_date: toIso(input.dueDate, 'dueDate'),
    estimated_minutes: input.estimatedMinutes ?? null,
    lease_ms: input.leaseMinutes ? input.leaseMinutes * 60_000 : null,
    created_by: actor.agent,
    created_at: work.now,
    updated_at: work.now,
    started_at: null,
    completed_at: null,
    completion_note: null,
    allow_no_evidence: null,
    blocked_reason: null,
    blocked_on_task_id: null,
    blocked_cause: null,
    blocked_by: null,
    claimed_by: null,
    last_holder: null,
    claimed_by_instance: null,
    lease_expires_at: null,
    epoch: 0,
    cancel_reason: null,
    failure_note: null,
    reopen_reason: null,
    paused_at: null,
    paused_reason: null,
  };
  await insertTask(work.tx, row);
  await insertDeps(work.tx, row.id, dependsOn);
  work.emit(
    'task.created',
    { project, missionId: row.mission_id, taskId: row.id },
    {
      key: row.key,
      title: row.title,
      assignedTo: row.assigned_to,
      dependsOn,
    },
  );
  tellAssigned(work, row);
  // A new open task in a mission under validation sends it back to execute: there is work again.
  if (mission?.status === 'validate') {
    await moveMissionAuto(work, mission, 'execute', `task ${row.key} added during validation`);
  }
  return row;
}

/** Moves a mission by the server itself (never to complete), recording why. */
export async function moveMissionAuto(work: Work, mission: MissionsTable, to: 'execute' | 'validate', reason: string): Promise<void> {
  const from = mission.status;
  mission.status = to;
  await updateMissionRow(work.tx, mission.id, { status: to, updated_at: work.now });
  work.emit('mission.status_changed', { project: mission.project, missionId: mission.id }, { from, to, auto: true, reason });
  tellMissionMoved(work, mission, from, to, reason);
}

/**
 * Resolves dependency references (ids, or T-keys of the given mission) to ids that exist and are visible;
 * refuses unknown ones naming them.
 */
export async function resolveDependencyRefs(
  work: Work,
  actor: Actor,
  refs: readonly string[],
  mission: MissionsTable | null,
  field: string,
): Promise<string[]> {
  if (refs.length === 0) return [];
  const ids: string[] = [];
  const keyed: string[] = [];
  for (const ref of refs) {
    if (/^T\d+$/i.test(ref)) {
      if (!mission) throw validationFailed(field, `${echo(ref)} is a mission-local key but the task has no mission`, 'Use task ids.');
      keyed.push(ref.toUpperCase());
    } else ids.push(ref);
  }
  if (keyed.length && mission) {
    const byKey = await taskIdsByKey(work.tx, mission.id, keyed);
    const missing = keyed.filter((k) => !byKey.has(k));
    if (missing.length)
      throw validationFailed(
        field,
        `unknown task key(s) ${echo(missing.join(', '))} in mission ${mission.name}`,
        'Dependencies must exist; create them first.',
      );
    for (const k of keyed) ids.push(byKey.get(k) as string);
  }
  const found = await taskRefs(work.tx, ids);
  const missing = ids.filter((id) => !found.has(id) || !(actor.projects?.includes(found.get(id)?.project ?? '') ?? true));
  if (missing.length)
    throw validationFailed(
      field,
      `unknown task id(s) ${echo(missing.join(', '))}`,
      'Dependencies must be existing task ids (or T-keys with the same missionId).',
    );
  return [...new Set(ids)];
}

export async function createTask(deps: ServiceDeps, actor: Actor, input: CreateTaskInput): Promise<Task> {
  authorize(actor, 'task.manage');
  return inWrite(deps, actor, async (work) => {
    const mission = input.missionId ? await lockMission(deps.database, work.tx, actor, input.missionId) : null;
    const row = await createTaskIn(deps, work, input, mission);
    return taskView(work.tx, row);
  });
}

export const GetTaskInput = z.object(TaskRefFields);
export type GetTaskInput = z.input<typeof GetTaskInput>;

export async function getTask(deps: ServiceDeps, actor: Actor, raw: GetTaskInput): Promise<Task> {
  const ref = parseInput(GetTaskInput, raw);
  const row = await readTask(deps.database.kysely, actor, ref);
  return taskView(deps.database.kysely, row);
}

export const ListTasksInput = z.object({
  assignedTo: Name.optional(),
  status: z.union([TaskStatus, z.array(TaskStatus).max(MAX_STATUSES)]).optional(),
  missionId: z.string().optional(),
  project: Name.optional(),
  ready: z.boolean().optional().describe('Only claimable now, most urgent first'),
  createdBy: Name.optional(),
  claimedBy: Name.optional(),
  updatedSince: DateInput.optional().describe('ISO or epoch ms'),
  fields: z.enum(['lite', 'full']).optional(),
  limit: z.number().int().optional(),
  cursor: z.string().optional(),
});
export type ListTasksInput = z.input<typeof ListTasksInput>;

export async function listTasks(deps: ServiceDeps, actor: Actor, raw: ListTasksInput): Promise<Page<Task>> {
  const input = parseInput(ListTasksInput, raw);
  const db = deps.database.kysely;
  const limit = pageLimit(input.limit);
  if (input.project) assertProjectVisible(actor, input.project);
  const missionId = input.missionId ? (await readMission(db, actor, input.missionId)).id : undefined;
  const order: TaskOrder = input.ready ? 'queue' : missionId ? 'mission' : 'newest';
  const rows = await listTaskRows(
    db,
    {
      assignedTo: input.assignedTo,
      statuses: input.status === undefined ? undefined : Array.isArray(input.status) ? input.status : [input.status],
      missionId,
      project: input.project,
      projects: actor.projects,
      createdBy: input.createdBy,
      claimedBy: input.claimedBy,
      updatedSince: toIso(input.updatedSince, 'updatedSince') ?? undefined,
      ready: input.ready,
    },
    order,
    limit,
    decodeCursor(input.cursor),
  );
  const page = rows.slice(0, limit);
  const items = await taskViews(db, page, input.fields === 'full');
  return { items, nextCursor: rows.length > limit ? encodeCursor(taskCursorKey(page[page.length - 1], order)) : null };
}

/**
 * The list_tasks / list_tasks_by_mission cursor that continues a mission's tasks after the one with this key: a
 * mission's tasks page by step and a key is T<step>, so a page cut short elsewhere (get_mission's summary) goes on
 * exactly where it stopped.
 */
export function missionTasksAfter(key: string): string {
  // Mission order reads only the step of the row.
  return encodeCursor(taskCursorKey({ seq: Number(key.slice(1)) } as TasksTable, 'mission'));
}

export const UpdateTaskFields = z.object({
  title: z.string().trim().min(1).max(500).optional(),
  description: z.string().max(20_000).optional(),
  priority: Priority.optional(),
  assignedTo: Name.nullable().optional().describe('null unassigns'),
  assignedToInstance: Name.nullable().optional().describe('New assignee instance'),
  tags: z.array(z.string().max(50)).max(50).optional(),
  requiredEvidence: z.array(EvidenceRequirement).max(MAX_KINDS).optional(),
  dueDate: DateInput.nullable().optional().describe('null clears'),
  estimatedMinutes: z.number().int().min(0).max(1_000_000).nullable().optional(),
  leaseMinutes: z.number().int().min(1).max(MAX_LEASE_MINUTES).nullable().optional().describe('Lease for future claims'),
});
export type UpdateTaskFields = z.input<typeof UpdateTaskFields>;

export const UpdateTaskInput = UpdateTaskFields.extend(TaskRefFields);
export type UpdateTaskInput = z.input<typeof UpdateTaskInput>;

/** Edits a task's fields (not its status; status moves go through their own use cases). */
export async function updateTask(deps: ServiceDeps, actor: Actor, raw: UpdateTaskInput): Promise<Task> {
  authorize(actor, 'task.manage');
  const { taskId, missionId, ...input } = parseInput(UpdateTaskInput, raw);
  const ref = { taskId, missionId };
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockTaskAndMission(deps.database, work.tx, actor, ref);
    const owners = mission && missionParties(mission);
    const manager = isTaskManager(actor, taskParties(row), owners);
    if (!mayEditTask(actor, taskParties(row), owners)) {
      throw forbidden(`${actor.agent} may not edit task ${row.key ?? row.id}`, 'Only its creator, assignee, holder or the mission pilot edit a task.');
    }
    // What the work must prove, who owns it, its urgency and its lease are the pilot's terms, not the worker's.
    const managerOnly = (['assignedTo', 'priority', 'requiredEvidence', 'leaseMinutes'] as const).filter((f) => input[f] !== undefined);
    if (!manager && managerOnly.length > 0) {
      throw forbidden(`only the creator or the mission pilot change ${managerOnly.join(', ')}`, `Ask ${mission?.pilot ?? row.created_by}.`);
    }
    // A holder whose lease ran out may not write through its old claim, field edits included.
    if (!manager && row.status === 'in_progress' && row.claimed_by === actor.agent) await assertHolder(work, row, undefined, 'update');
    const patch: Partial<TasksTable> = {};
    const changed: string[] = [];
    const set = <K extends keyof TasksTable>(field: string, column: K, value: TasksTable[K]) => {
      if (row[column] !== value) {
        patch[column] = value;
        changed.push(field);
      }
    };
    if (input.title !== undefined) set('title', 'title', input.title);
    if (input.description !== undefined) set('description', 'description', input.description);
    if (input.priority !== undefined) {
      set('priority', 'priority', input.priority);
      set('priority', 'urgency', 3 - priorityRank(input.priority));
    }
    if (input.assignedTo !== undefined) set('assignedTo', 'assigned_to', input.assignedTo);
    if (input.assignedToInstance !== undefined) set('assignedToInstance', 'assigned_to_instance', input.assignedToInstance);
    if (input.tags !== undefined) set('tags', 'tags', JSON.stringify(input.tags));
    if (input.requiredEvidence !== undefined) set('requiredEvidence', 'required_evidence', JSON.stringify([...new Set(input.requiredEvidence)]));
    if (input.dueDate !== undefined) set('dueDate', 'due_date', toIso(input.dueDate, 'dueDate'));
    if (input.estimatedMinutes !== undefined) set('estimatedMinutes', 'estimated_minutes', input.estimatedMinutes);
    if (input.leaseMinutes !== undefined) set('leaseMinutes', 'lease_ms', input.leaseMinutes === null ? null : input.leaseMinutes * 60_000);
    if (changed.length === 0) return taskView(work.tx, row);
    // A new assignee, once the input is checked: against the tokens (roster.ts); unassigning needs none.
    if (patch.assigned_to) await assertRoster(work.tx, row.project, [{ field: 'assignedTo', agents: [patch.assigned_to] }]);
    patch.updated_at = work.now;
    extendLeaseIfHolder(deps, work, row, patch);
    await updateTaskRow(work.tx, row.id, patch);
    work.emit('task.updated', { project: row.project, missionId: row.mission_id, taskId: row.id }, { fields: [...new Set(changed)] });
    const after = { ...row, ...patch };
    if (patch.assigned_to) tellAssigned(work, after);
    return taskView(work.tx, after);
  });
}

/** Any write by the live holder (its agent, through its instance) extends its lease (the lease is proof of life). */
export function extendLeaseIfHolder(deps: ServiceDeps, work: Work, row: TasksTable, patch: Partial<TasksTable>): void {
  if (holdsLiveClaim(row, work.actor, work.now)) {
    patch.lease_expires_at = new Date(work.nowMs + (row.lease_ms ?? deps.config.leaseMs)).toISOString();
  }
}

export const TaskDependencyInput = z.object({
  ...TaskRefFields,
  dependsOn: OneOrMany.describe('Task id(s) or T-key(s) of the same mission'),
});
export type TaskDependencyInput = z.input<typeof TaskDependencyInput>;

export async function addTaskDependency(deps: ServiceDeps, actor: Actor, raw: TaskDependencyInput): Promise<Task> {
  authorize(actor, 'task.manage');
  const ref = parseInput(TaskDependencyInput, raw);
  const refs = asList(ref.dependsOn);
  return inWrite(deps, actor, async (work) => {
    // Taken first, before any row lock, so it can never be part of a lock cycle.
    await deps.database.lockDependencyGraph(work.tx);
    const { row, mission } = await lockTaskAndMission(deps.database, work.tx, actor, ref);
    assertEditor(actor, row, mission);
    if (isTerminalTask(row.status)) {
      throw new DomainError(
        'INVALID_TRANSITION',
        `task ${row.key ?? row.id} is ${row.status}; its dependencies are settled`,
        'Reopen it first (reopen_task) if the work must wait for something else.',
        { from: row.status },
      );
    }
    const ids = await resolveDependencyRefs(work, actor, refs, mission, 'dependsOn');
    if (ids.includes(row.id)) throw validationFailed('dependsOn', 'a task cannot depend on itself');
    const edges = await reachableEdges(work.tx, [row.id, ...ids]);
    const current = edges.get(row.id) ?? [];
    const added = ids.filter((id) => !current.includes(id));
    edges.set(row.id, [...current, ...added]);
    const labels = await taskRefs(work.tx, [...edges.keys()]);
    assertAcyclic(edges, (id) => labels.get(id)?.key ?? id);
    if (added.length === 0) return taskView(work.tx, row);
    await insertDeps(work.tx, row.id, added);
    const patch: Partial<TasksTable> = { updated_at: work.now };
    extendLeaseIfHolder(deps, work, row, patch);
    await updateTaskRow(work.tx, row.id, patch);
    work.emit('task.dependency_added', { project: row.project, missionId: row.mission_id, taskId: row.id }, { dependsOn: added });
    return taskView(work.tx, { ...row, ...patch });
  });
}

export async function removeTaskDependency(deps: ServiceDeps, actor: Actor, raw: TaskDependencyInput): Promise<Task> {
  authorize(actor, 'task.manage');
  const ref = parseInput(TaskDependencyInput, raw);
  const refs = asList(ref.dependsOn);
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockTaskAndMission(deps.database, work.tx, actor, ref);
    assertEditor(actor, row, mission);
    const ids = await resolveDependencyRefs(work, actor, refs, mission, 'dependsOn');
    const removed = await deleteDeps(work.tx, row.id, ids);
    if (removed !== ids.length) {
      throw validationFailed(
        'dependsOn',
        `task ${row.key ?? row.id} does not depend on all of ${echo(refs.join(', '))}`,
        'get_task shows its current dependsOn.',
      );
    }
    const patch: Partial<TasksTable> = { updated_at: work.now };
    extendLeaseIfHolder(deps, work, row, patch);
    await updateTaskRow(work.tx, row.id, patch);
    work.emit('task.dependency_removed', { project: row.project, missionId: row.mission_id, taskId: row.id }, { dependsOn: ids });
    return taskView(work.tx, { ...row, ...patch });
  });
}

function assertEditor(actor: Actor, row: TasksTable, mission: MissionsTable | null): void {
  if (!mayEditTask(actor, taskParties(row), mission && missionParties(mission)))
    throw forbidden(`${actor.agent} may not change task ${row.key ?? row.id}`, 'Only its creator, assignee, holder or the mission pilot may.');
}

/** Deletes a task that never went anywhere: creator only, still todo, no history beyond its creation. */
export const DeleteTaskInput = z.object(TaskRefFields);
export type DeleteTaskInput = z.input<typeof DeleteTaskInput>;

export async function deleteTask(deps: ServiceDeps, actor: Actor, raw: DeleteTaskInput): Promise<{ deleted: true; taskId: string }> {
  authorize(actor, 'task.manage');
  const ref = parseInput(DeleteTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const row = await lockTask(deps.database, work.tx, actor, ref);
    if (!mayDeleteTask(actor, taskParties(row))) {
      throw forbidden(`only the creator (${row.created_by}) may delete task ${row.key ?? row.id}`, 'Cancel it instead (cancel_task with a reason).');
    }
    const history = await countTaskEvents(work.tx, row.id);
    if (row.status !== 'todo' || history > 1 || (await countTaskEvidence(work.tx, row.id)) > 0) {
      throw new DomainError(
        'CONFLICT',
        `task ${row.key ?? row.id} has history beyond its creation`,
        'Tasks with history are kept for the audit trail; cancel it instead (cancel_task with a reason).',
        { status: row.status, events: history },
      );
    }
    const dependents = await dependentsOf(work.tx, row.id);
    if (dependents.length) {
      throw new DomainError(
        'CONFLICT',
        `${dependents.length} task(s) depend on it`,
        'Remove those dependencies first (remove_task_dependency), or cancel the task.',
        { dependents },
      );
    }
    await deleteTaskRow(work.tx, row.id);
    work.emit('task.deleted', { project: row.project, missionId: row.mission_id, taskId: row.id }, { key: row.key, title: row.title });
    return { deleted: true as const, taskId: row.id };
  });
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { createTask, getTask, listTasks, updateTask, addTaskDependency, removeTaskDependency, deleteTask };
