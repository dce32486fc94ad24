// Recurring work: definitions that create a task, or a whole mission from a template, on a cron schedule —
// exactly once per due time however many schedulers run, one catch-up after downtime, no pile-up on overlap.
import { z } from 'zod';
import { iso } from '../core/clock.js';
import { Priority } from '../core/enums.js';
import { DomainError, echo, forbidden, isFailure, toDomainError, validationFailed } from '../core/errors.js';
import { EvidenceRequirement } from '../core/evidence-tier.js';
import { assertAgentName, Name } from '../core/identity.js';
import type { Actor, Page } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { mayChangeRecurring } from '../core/policy.js';
import { latestDueAt, localDate, nextRunAfter, parseSchedule, type Schedule, upcomingRuns } from '../core/schedule.js';
import { isOpenMission, isOpenTask } from '../core/status-traits.js';
import { parseTemplateRef, planInstantiation, renderText } from '../core/template.js';
import {
  claimRun,
  dueDefinitionIds,
  getDefinitionRow,
  type InstanceStatus,
  insertDefinition,
  instanceStatus,
  lastCreatedRun,
  listDefinitionRows,
  lockDefinitionRow,
  recentRuns,
  updateDefinitionRow,
  updateRun,
} from '../db/recurring-repo.js';
import { decodeCursor, encodeCursor, parseJson, parseKindList, parseStringList } from '../db/rows.js';
import type { RecurringDefinitionsTable, RecurringRunsTable } from '../db/schema.js';
import { assertProjectVisible, canSeeProject, defaultProjectFor } from './access.js';
import { inWrite, type ServiceDeps, type Work } from './context.js';
import { asList, MAX_AGENTS, MAX_KINDS, NameOrNames, pageLimit, parseInput } from './inputs.js';
import { assertRoster } from './roster.js';
import { createTaskIn } from './tasks.js';
import { createMissionFromTemplateIn, findTemplate, TemplateContext } from './templates.js';

export const OverlapPolicy = z.enum(['skip', 'allow']);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

/** A run's task or mission is open while its status is: overlap 'skip' creates no new instance beside it. */
function isOpenInstance(instance: InstanceStatus | null): instance is InstanceStatus {
  if (instance === null) return false;
  return instance.mission !== undefined ? isOpenMission(instance.mission) : isOpenTask(instance.task);
}

export const CreateRecurringInput = z.object({
  title: z.string().trim().min(1).max(500).describe('{{date}} is the due date'),
  cronExpression: z.string().min(1).max(200).describe('e.g. 0 9 * * 1'),
  timezone: z.string().max(100).optional().describe('Default UTC'),
  overlap: OverlapPolicy.optional().describe('Default skip'),
  priority: Priority.optional().describe('Default medium'),
  assignedTo: Name.optional().describe('Assignee (mission: pilot)'),
  assignedToInstance: Name.optional().describe('Instance of the assignee'),
  description: z.string().max(20_000).optional(),
  project: Name.optional().describe('Default: your project'),
  tags: z.array(z.string().max(50)).max(50).optional(),
  requiredEvidence: z.array(EvidenceRequirement).max(MAX_KINDS).optional(),
  templateName: z.string().max(120).optional().describe('A mission from this template per run'),
  pilot: Name.optional().describe('Default assignedTo, else you'),
  agents: NameOrNames.optional().describe(`Mission agents (at most ${MAX_AGENTS})`),
  context: TemplateContext.optional(),
  brief: z.string().max(200_000).optional().describe('Default: the template’s'),
  paused: z.boolean().optional().describe('Create it paused'),
});
export type CreateRecurringInput = z.input<typeof CreateRecurringInput>;

export const UpdateRecurringFields = CreateRecurringInput.omit({ paused: true }).partial();

const RecurringTaskId = z.string();

/** Names one definition: get, pause, resume and delete take only this. */
export const RecurringRef = z.object({ recurringTaskId: RecurringTaskId });
export type RecurringRef = z.input<typeof RecurringRef>;

export const UpdateRecurringInput = UpdateRecurringFields.extend({ recurringTaskId: RecurringTaskId });
export type UpdateRecurringInput = z.input<typeof UpdateRecurringInput>;
export type UpdateRecurringFields = z.input<typeof UpdateRecurringFields>;

export interface RecurringRun {
  dueAt: string;
  outcome: 'created' | 'skipped' | 'failed';
  taskId: string | null;
  missionId: string | null;
  error: string | null;
  createdAt: string;
}

export interface RecurringTask {
  recurringTaskId: string;
  kind: 'task' | 'mission';
  project: string;
  title: string;
  description: string | null;
  priority: string;
  assignedTo: string | null;
  assignedToInstance: string | null;
  tags: string[];
  requiredEvidence: string[];
  templateName: string | null;
  templateVersion: number | null;
  pilot: string | null;
  agents: string[];
  context: Record<string, string>;
  brief: string | null;
  cronExpression: string;
  timezone: string;
  overlap: OverlapPolicy;
  paused: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastError: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface RecurringTaskDetail extends RecurringTask {
  /** The next five due times by the schedule (none while paused). */
  upcoming: string[];
  /** The latest handled due times, newest first. */
  runs: RecurringRun[];
}

const ContextRecord = z.record(z.string(), z.string());

function toRecurring(row: RecurringDefinitionsTable): RecurringTask {
  return {
    recurringTaskId: row.id,
    kind: row.kind as RecurringTask['kind'],
    project: row.project,
    title: row.title,
    description: row.description,
    priority: row.priority,
    assignedTo: row.assigned_to,
    assignedToInstance: row.assigned_to_instance,
    tags: parseStringList(row.tags, 'recurring_definitions.tags'),
    requiredEvidence: parseKindList(row.required_evidence, 'recurring_definitions.required_evidence'),
    templateName: row.template_name,
    templateVersion: row.template_version,
    pilot: row.pilot,
    agents: parseStringList(row.agents, 'recurring_definitions.agents'),
    context: parseJson(ContextRecord, row.context, 'recurring_definitions.context'),
    brief: row.brief,
    cronExpression: row.cron_expression,
    timezone: row.timezone,
    overlap: row.overlap as OverlapPolicy,
    paused: row.paused === 1,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastError: row.last_error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

function toRun(row: RecurringRunsTable): RecurringRun {
  return {
    dueAt: row.due_at,
    outcome: row.outcome as RecurringRun['outcome'],
    taskId: row.task_id,
    missionId: row.mission_id,
    error: row.error,
    createdAt: row.created_at,
  };
}

function templateRef(row: Pick<RecurringDefinitionsTable, 'template_name' | 'template_version'>): string {
  return row.template_version === null ? (row.template_name as string) : `${row.template_name}@${row.template_version}`;
}

/** The first due time strictly after `afterMs`, or VALIDATION_FAILED when the schedule has none left. */
function firstRunAfter(schedule: Schedule, afterMs: number): string {
  const next = nextRunAfter(schedule, afterMs);
  if (next === null) throw validationFailed('cronExpression', `"${schedule.expression}" has no future run`, 'Choose a schedule that fires again.');
  return iso(next);
}

/**
 * Checks a mission definition against its template now, with a sample due date, so a definition that could
 * never run (unknown template, missing placeholder, unresolvable owner) is refused on input, not at 3 a.m.
 * The template is resolved in the definition's project, as each run resolves it (the project is already checked
 * against the caller's scope).
 */
async function assertMissionDefinitionRuns(deps: ServiceDeps, row: RecurringDefinitionsTable, atMs: number): Promise<void> {
  const ref = parseTemplateRef(templateRef(row));
  const template = await findTemplate(deps.database.kysely, row.project, ref.name, ref.version);
  if (!template || template.deletedAt) {
    throw new DomainError('NOT_FOUND', `template ${templateRef(row)} not found in project ${row.project}`, 'list_mission_templates shows the templates.', {
      kind: 'template',
      ref: templateRef(row),
    });
  }
  const values = { date: localDate(atMs, row.timezone), ...parseJson(ContextRecord, row.context, 'context') };
  const pilot = row.pilot as string;
  planInstantiation(
    template,
    { name: renderText(row.title, values, new Set()), project: row.project, pilot, agents: [pilot, ...parseStringList(row.agents, 'agents')] },
    { context: values, withBrief: row.brief === null },
  );
}

function assertDefinitionManager(actor: Actor, row: RecurringDefinitionsTable): void {
  if (mayChangeRecurring(actor, { createdBy: row.created_by })) return;
  throw forbidden(`only its creator (${row.created_by}) or an admin may change recurring task ${row.id}`, `Ask ${row.created_by}.`);
}

/** Fields shared by create and update, checked and turned into column values. */
function definitionColumns(input: z.infer<typeof UpdateRecurringFields>, base: RecurringDefinitionsTable | null, actor: Actor, deps: ServiceDeps) {
  const template =
    input.templateName !== undefined
      ? parseTemplateRef(input.templateName)
      : base?.template_name
        ? { name: base.template_name, version: base.template_version ?? undefined }
        : null;
  const assignedTo = input.assignedTo !== undefined ? input.assignedTo : (base?.assigned_to ?? null);
  if (assignedTo) assertAgentName(assignedTo, 'assignedTo');
  const pilot = template ? (input.pilot ?? base?.pilot ?? assignedTo ?? actor.agent) : null;
  if (pilot) assertAgentName(pilot, 'pilot');
  const agents = input.agents !== undefined ? asList(input.agents) : base ? parseStringList(base.agents, 'agents') : [];
  for (const a of agents) assertAgentName(a, 'agents');
  const project = input.project ?? base?.project ?? defaultProjectFor(deps, actor);
  assertProjectVisible(actor, project);
  return {
    project,
    kind: template ? 'mission' : 'task',
    title: input.title ?? (base?.title as string),
    description: input.description !== undefined ? input.description : (base?.description ?? null),
    priority: input.priority ?? base?.priority ?? 'medium',
    assigned_to: assignedTo,
    assigned_to_instance: input.assignedToInstance !== undefined ? input.assignedToInstance : (base?.assigned_to_instance ?? null),
    tags: input.tags !== undefined ? JSON.stringify([...new Set(input.tags)]) : (base?.tags ?? '[]'),
    required_evidence: input.requiredEvidence !== undefined ? JSON.stringify([...new Set(input.requiredEvidence)]) : (base?.required_evidence ?? '[]'),
    template_name: template?.name ?? null,
    template_version: template?.version ?? null,
    pilot,
    agents: JSON.stringify(agents),
    context: input.context !== undefined ? JSON.stringify(input.context) : (base?.context ?? '{}'),
    brief: input.brief !== undefined ? input.brief : (base?.brief ?? null),
    cron_expression: input.cronExpression ?? (base?.cron_expression as string),
    timezone: input.timezone ?? base?.timezone ?? 'UTC',
    overlap: input.overlap ?? base?.overlap ?? 'skip',
  } satisfies Partial<RecurringDefinitionsTable>;
}

/**
 * The roster a definition will put on each instance, against the roster rule (roster.ts) at definition time: the
 * assignee of a task definition, the pilot and agents of a mission one. On an update within the same project only
 * the names it changes (compared with `base`) are checked. Each run checks again as it creates the instance: a name
 * whose token was revoked since fails that run (VALIDATION_FAILED recorded as the run's error and lastError, the
 * definition moving on to its next due time), like any other refusal.
 */
async function assertDefinitionRoster(
  deps: ServiceDeps,
  columns: Pick<RecurringDefinitionsTable, 'project' | 'kind' | 'assigned_to' | 'pilot' | 'agents'>,
  base: RecurringDefinitionsTable | null,
): Promise<void> {
  const changed = (value: string | null, before: string | null | undefined) => (value !== null && value !== before ? [value] : []);
  if (columns.kind === 'task') {
    await assertRoster(deps.database.kysely, columns.project, [{ field: 'assignedTo', agents: changed(columns.assigned_to, base?.assigned_to) }]);
    return;
  }
  const before = base ? parseStringList(base.agents, 'agents') : [];
  const added = parseStringList(columns.agents, 'agents').filter((a) => a !== columns.pilot && !before.includes(a));
  await assertRoster(deps.database.kysely, columns.project, [
    { field: 'pilot', agents: changed(columns.pilot, base?.pilot) },
    { field: 'agents', agents: added },
  ]);
}

/** create_recurring_task: validates the schedule (and the template, for a mission) and computes nextRunAt. */
export async function createRecurring(deps: ServiceDeps, actor: Actor, raw: CreateRecurringInput): Promise<RecurringTaskDetail> {
  authorize(actor, 'recurring.manage');
  const input = parseInput(CreateRecurringInput, raw);
  const nowMs = deps.clock.now();
  const columns = definitionColumns(input, null, actor, deps);
  const schedule = parseSchedule(columns.cron_expression, columns.timezone);
  const row: RecurringDefinitionsTable = {
    id: deps.ids(),
    ...columns,
    cron_expression: schedule.expression,
    paused: input.paused ? 1 : 0,
    next_run_at: firstRunAfter(schedule, nowMs),
    last_run_at: null,
    last_error: null,
    created_by: actor.agent,
    created_at: iso(nowMs),
    updated_at: iso(nowMs),
    deleted_at: null,
  };
  if (row.kind === 'mission') await assertMissionDefinitionRuns(deps, row, Date.parse(row.next_run_at as string));
  await assertDefinitionRoster(deps, row, null);
  await inWrite(deps, actor, async (work) => {
    await insertDefinition(work.tx, { ...row, created_at: work.now, updated_at: work.now });
    work.emit(
      'recurring.created',
      { project: row.project },
      { recurringTaskId: row.id, kind: row.kind, cronExpression: row.cron_expression, nextRunAt: row.next_run_at },
    );
  });
  return getRecurring(deps, actor, { recurringTaskId: row.id });
}

async function readDefinition(deps: ServiceDeps, actor: Actor, id: string): Promise<RecurringDefinitionsTable> {
  const row = await getDefinitionRow(deps.database.kysely, id.trim());
  if (!row || row.deleted_at || !canSeeProject(actor, row.project)) {
    throw new DomainError('NOT_FOUND', `recurring task ${echo(id)} not found`, 'list_recurring_tasks shows the recurring tasks.', {
      kind: 'recurring',
      ref: echo(id),
    });
  }
  return row;
}

export async function getRecurring(deps: ServiceDeps, actor: Actor, raw: RecurringRef): Promise<RecurringTaskDetail> {
  const id = parseInput(RecurringRef, raw).recurringTaskId;
  const row = await readDefinition(deps, actor, id);
  const schedule = safeSchedule(row);
  const from = Math.max(deps.clock.now(), row.next_run_at ? Date.parse(row.next_run_at) - 1 : 0);
  const upcoming = schedule && row.paused === 0 ? upcomingRuns(schedule, from, 5).map(iso) : [];
  const runs = (await recentRuns(deps.database.kysely, row.id, 10)).map(toRun);
  return { ...toRecurring(row), upcoming, runs };
}

function safeSchedule(row: RecurringDefinitionsTable): Schedule | null {
  try {
    return parseSchedule(row.cron_expression, row.timezone);
  } catch {
    return null;
  }
}

export const ListRecurringInput = z.object({
  project: Name.optional(),
  assignedTo: Name.optional().describe('Assignee or pilot'),
  status: z.enum(['active', 'paused', 'all']).optional().describe('active | paused | all (default)'),
  limit: z.number().int().optional(),
  cursor: z.string().optional(),
});
export type ListRecurringInput = z.input<typeof ListRecurringInput>;

export async function listRecurring(deps: ServiceDeps, actor: Actor, raw: ListRecurringInput): Promise<Page<RecurringTask>> {
  const input = parseInput(ListRecurringInput, raw);
  const limit = pageLimit(input.limit);
  if (input.project) assertProjectVisible(actor, input.project);
  const after = decodeCursor(input.cursor);
  const rows = await listDefinitionRows(
    deps.database.kysely,
    {
      project: input.project,
      projects: actor.projects,
      assignedTo: input.assignedTo,
      paused: input.status === undefined || input.status === 'all' ? undefined : input.status === 'paused',
    },
    limit,
    (after?.[0] as string | undefined) ?? null,
  );
  const page = rows.slice(0, limit);
  return { items: page.map(toRecurring), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].id]) : null };
}

/** update_recurring_task: changes fields and recomputes nextRunAt from now; clears the last error. */
export async function updateRecurring(deps: ServiceDeps, actor: Actor, raw: UpdateRecurringInput): Promise<RecurringTaskDetail> {
  authorize(actor, 'recurring.manage');
  const { recurringTaskId: id, ...input } = parseInput(UpdateRecurringInput, raw);
  const before = await readDefinition(deps, actor, id);
  assertDefinitionManager(actor, before);
  const nowMs = deps.clock.now();
  const columns = definitionColumns(input, before, actor, deps);
  const schedule = parseSchedule(columns.cron_expression, columns.timezone);
  const next = { ...before, ...columns, cron_expression: schedule.expression, next_run_at: firstRunAfter(schedule, nowMs), last_error: null };
  if (next.kind === 'mission') await assertMissionDefinitionRuns(deps, next, Date.parse(next.next_run_at));
  await assertDefinitionRoster(deps, next, before.project === next.project ? before : null);
  const fields = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
  await inWrite(deps, actor, async (work) => {
    const row = await lockDefinitionRow(deps.database, work.tx, before.id);
    if (!row || row.deleted_at)
      throw new DomainError('NOT_FOUND', `recurring task ${echo(id)} not found`, 'It was deleted meanwhile.', { kind: 'recurring', ref: echo(id) });
    await updateDefinitionRow(work.tx, row.id, {
      ...columns,
      cron_expression: next.cron_expression,
      next_run_at: next.next_run_at,
      last_error: null,
      updated_at: work.now,
    });
    work.emit('recurring.updated', { project: next.project }, { recurringTaskId: row.id, fields, nextRunAt: next.next_run_at });
  });
  return getRecurring(deps, actor, { recurringTaskId: before.id });
}

/** Pause stops new instances; resume schedules from now (due times passed while paused are not caught up). */
export function pauseRecurring(deps: ServiceDeps, actor: Actor, raw: RecurringRef): Promise<RecurringTaskDetail> {
  return setRecurringPaused(deps, actor, raw, true);
}

export function resumeRecurring(deps: ServiceDeps, actor: Actor, raw: RecurringRef): Promise<RecurringTaskDetail> {
  return setRecurringPaused(deps, actor, raw, false);
}

async function setRecurringPaused(deps: ServiceDeps, actor: Actor, raw: RecurringRef, paused: boolean): Promise<RecurringTaskDetail> {
  authorize(actor, 'recurring.manage');
  const id = parseInput(RecurringRef, raw).recurringTaskId;
  const before = await readDefinition(deps, actor, id);
  assertDefinitionManager(actor, before);
  await inWrite(deps, actor, async (work) => {
    const row = await lockDefinitionRow(deps.database, work.tx, before.id);
    if (!row || row.deleted_at)
      throw new DomainError('NOT_FOUND', `recurring task ${echo(id)} not found`, 'It was deleted meanwhile.', { kind: 'recurring', ref: echo(id) });
    if ((row.paused === 1) === paused) return;
    const patch: Partial<RecurringDefinitionsTable> = { paused: paused ? 1 : 0, updated_at: work.now };
    if (!paused) {
      const schedule = parseSchedule(row.cron_expression, row.timezone);
      patch.next_run_at = firstRunAfter(schedule, work.nowMs);
      patch.last_error = null;
    }
    await updateDefinitionRow(work.tx, row.id, patch);
    work.emit(
      paused ? 'recurring.paused' : 'recurring.resumed',
      { project: row.project },
      { recurringTaskId: row.id, nextRunAt: patch.next_run_at ?? row.next_run_at },
    );
  });
  return getRecurring(deps, actor, { recurringTaskId: before.id });
}

/** Soft delete: no more instances; past runs and the instances they created stay. */
export async function deleteRecurring(deps: ServiceDeps, actor: Actor, raw: RecurringRef): Promise<{ deleted: true; recurringTaskId: string }> {
  authorize(actor, 'recurring.manage');
  const id = parseInput(RecurringRef, raw).recurringTaskId;
  const before = await readDefinition(deps, actor, id);
  assertDefinitionManager(actor, before);
  return inWrite(deps, actor, async (work) => {
    await updateDefinitionRow(work.tx, before.id, { deleted_at: work.now, updated_at: work.now });
    work.emit('recurring.deleted', { project: before.project }, { recurringTaskId: before.id });
    return { deleted: true as const, recurringTaskId: before.id };
  });
}

export interface SchedulerReport {
  created: Array<{ recurringTaskId: string; dueAt: string; taskId: string | null; missionId: string | null; catchUp: boolean }>;
  skipped: Array<{ recurringTaskId: string; dueAt: string; openInstance: string }>;
  failed: Array<{ recurringTaskId: string; error: string }>;
}

type FireOutcome =
  | { outcome: 'not_due' | 'taken' }
  | { outcome: 'created'; dueAt: string; taskId: string | null; missionId: string | null; catchUp: boolean }
  | { outcome: 'skipped'; dueAt: string; openInstance: string };

/** Creates the instance a definition stands for, inside the run's transaction. */
async function createInstance(
  deps: ServiceDeps,
  work: Work,
  row: RecurringDefinitionsTable,
  dueMs: number,
): Promise<{ taskId: string | null; missionId: string | null }> {
  const values = { date: localDate(dueMs, row.timezone) };
  const render = (text: string) => renderText(text, values, new Set());
  if (row.kind === 'mission') {
    const pilot = row.pilot as string;
    const mission = await createMissionFromTemplateIn(
      deps,
      work,
      {
        name: render(row.title),
        project: row.project,
        priority: row.priority,
        pilot,
        agents: parseStringList(row.agents, 'agents'),
        description: row.description === null ? undefined : render(row.description),
        brief: row.brief ?? undefined,
        // The plan is the template's: the mission starts ready for the pilot to move to execute.
        status: 'plan',
      },
      templateRef(row),
      { ...values, ...parseJson(ContextRecord, row.context, 'context') },
    );
    return { taskId: null, missionId: mission.id };
  }
  const task = await createTaskIn(
    deps,
    work,
    {
      title: render(row.title),
      description: row.description === null ? undefined : render(row.description),
      project: row.project,
      assignedTo: row.assigned_to ?? undefined,
      assignedToInstance: row.assigned_to_instance ?? undefined,
      priority: row.priority,
      tags: [...parseStringList(row.tags, 'tags'), `recurring:${row.id}`],
      requiredEvidence: parseKindList(row.required_evidence, 'required_evidence'),
    },
    null,
  );
  return { taskId: task.id, missionId: null };
}

/**
 * Handles one definition's due time in one transaction. The run row (recurring_id, due_at) is claimed first;
 * only the transaction that inserted it goes on to create the instance, and both commit together, so each due
 * time yields exactly one instance across any number of schedulers — with no leader. A refusal rolls back the
 * run row too, and the caller records the error separately.
 */
async function fireDefinition(deps: ServiceDeps, id: string, createdBy: string, nowMs: number): Promise<FireOutcome> {
  return inWrite(deps, { agent: createdBy }, async (work) => {
    const row = await lockDefinitionRow(deps.database, work.tx, id);
    const nowIso = iso(nowMs);
    if (!row || row.deleted_at || row.paused === 1 || row.next_run_at === null || row.next_run_at > nowIso) return { outcome: 'not_due' as const };
    const schedule = parseSchedule(row.cron_expression, row.timezone);
    const firstDueMs = Date.parse(row.next_run_at);
    const dueMs = latestDueAt(schedule, firstDueMs, nowMs);
    const dueAt = iso(dueMs);
    const nextRunAt = nextRunAfter(schedule, nowMs);
    const advance = { next_run_at: nextRunAt === null ? null : iso(nextRunAt), last_run_at: dueAt };
    const claimed = await claimRun(work.tx, {
      recurring_id: row.id,
      due_at: dueAt,
      outcome: 'created',
      task_id: null,
      mission_id: null,
      error: null,
      created_at: work.now,
    });
    if (!claimed) {
      // Another scheduler handled this due time; keep the definition moving so it is not picked up again.
      await updateDefinitionRow(work.tx, row.id, { next_run_at: advance.next_run_at });
      return { outcome: 'taken' as const };
    }
    if (row.overlap === 'skip') {
      const previous = await lastCreatedRun(work.tx, row.id, dueAt);
      const instance = previous ? await instanceStatus(work.tx, previous) : null;
      if (previous && isOpenInstance(instance)) {
        const status = instance.mission ?? instance.task;
        const openInstance = (previous.mission_id ?? previous.task_id) as string;
        await updateRun(work.tx, row.id, dueAt, { outcome: 'skipped' });
        await updateDefinitionRow(work.tx, row.id, advance);
        work.emit('recurring.skipped', { project: row.project }, { recurringTaskId: row.id, dueAt, openInstance, status });
        return { outcome: 'skipped' as const, dueAt, openInstance };
      }
    }
    const instance = await createInstance(deps, work, row, dueMs);
    await updateRun(work.tx, row.id, dueAt, { task_id: instance.taskId, mission_id: instance.missionId });
    await updateDefinitionRow(work.tx, row.id, { ...advance, last_error: null });
    const catchUp = dueMs > firstDueMs;
    work.emit(
      'recurring.fired',
      { project: row.project, missionId: instance.missionId, taskId: instance.taskId },
      { recurringTaskId: row.id, dueAt, catchUp, ...(catchUp ? { firstMissedAt: row.next_run_at } : {}) },
    );
    return { outcome: 'created' as const, dueAt, catchUp, ...instance };
  });
}

/**
 * Records why a definition could not run. A refusal (bad template, missing placeholder…) will fail the same
 * way every time, so its due time is marked failed and the definition moves to its next run; a schedule that
 * no longer parses stops (nextRunAt null) until someone updates it. Any other error leaves the due time to be
 * retried on the next tick.
 */
async function markBroken(deps: ServiceDeps, id: string, nowMs: number, error: unknown): Promise<string> {
  const reported = toDomainError(error);
  const deterministic = !isFailure(reported);
  // A failure is recorded as what went wrong, for the operator reading the definition.
  const message = deterministic ? `${reported.code}: ${reported.message}` : String((error as Error)?.message ?? error);
  await inWrite(deps, { agent: 'sortie' }, async (work) => {
    const row = await lockDefinitionRow(deps.database, work.tx, id);
    if (!row || row.next_run_at === null || row.next_run_at > iso(nowMs)) return;
    const patch: Partial<RecurringDefinitionsTable> = { last_error: message.slice(0, 2000) };
    let dueAt: string | null = null;
    if (deterministic) {
      let schedule: Schedule | null = null;
      try {
        schedule = parseSchedule(row.cron_expression, row.timezone);
      } catch {
        patch.next_run_at = null;
      }
      if (schedule) {
        dueAt = iso(latestDueAt(schedule, Date.parse(row.next_run_at), nowMs));
        const next = nextRunAfter(schedule, nowMs);
        patch.next_run_at = next === null ? null : iso(next);
        patch.last_run_at = dueAt;
        await claimRun(work.tx, {
          recurring_id: row.id,
          due_at: dueAt,
          outcome: 'failed',
          task_id: null,
          mission_id: null,
          error: patch.last_error ?? null,
          created_at: work.now,
        });
      }
    }
    await updateDefinitionRow(work.tx, row.id, patch);
    work.emit(
      'recurring.failed',
      { project: row.project },
      { recurringTaskId: row.id, dueAt, error: patch.last_error, nextRunAt: patch.next_run_at ?? row.next_run_at },
    );
  });
  return message;
}

/**
 * One scheduler tick: handles every definition due at `nowMs`, each in its own transaction, so one broken
 * definition is recorded and skipped without stopping the others.
 */
export async function runDueRecurring(deps: ServiceDeps, nowMs: number = deps.clock.now(), batch = 100): Promise<SchedulerReport> {
  const report: SchedulerReport = { created: [], skipped: [], failed: [] };
  const seen = new Set<string>();
  for (;;) {
    // Definitions already handled this tick (e.g. left due by a transient error) are read past, not retried.
    const ids = (await dueDefinitionIds(deps.database.kysely, iso(nowMs), batch + seen.size)).filter((id) => !seen.has(id));
    if (ids.length === 0) return report;
    for (const id of ids) {
      seen.add(id);
      const row = await getDefinitionRow(deps.database.kysely, id);
      if (!row) continue;
      try {
        const result = await fireDefinition(deps, id, row.created_by, nowMs);
        if (result.outcome === 'created')
          report.created.push({ recurringTaskId: id, dueAt: result.dueAt, taskId: result.taskId, missionId: result.missionId, catchUp: result.catchUp });
        else if (result.outcome === 'skipped') report.skipped.push({ recurringTaskId: id, dueAt: result.dueAt, openInstance: result.openInstance });
      } catch (error) {
        let message: string;
        try {
          message = await markBroken(deps, id, nowMs, error);
        } catch (recordError) {
          message = String((error as Error)?.message ?? error);
          deps.logger.error({ err: recordError, recurringTaskId: id }, 'could not record a recurring task failure');
        }
        deps.logger.warn({ err: error, recurringTaskId: id }, 'recurring task failed');
        report.failed.push({ recurringTaskId: id, error: message });
      }
    }
  }
}

/** The use cases of this module the facade exposes (see sortie.ts); runDueRecurring takes no actor and is wired apart. */
export const USE_CASES = { createRecurring, getRecurring, listRecurring, updateRecurring, pauseRecurring, resumeRecurring, deleteRecurring };
