// Mission use cases: create, read, list, edit, lifecycle moves with their gates, progress and evidence.
import { z } from 'zod';
import { MISSION_STATUSES, MissionStatus, type MissionStatus as MissionStatusT, Priority } from '../core/enums.js';
import { DomainError, echo, forbidden, validationFailed } from '../core/errors.js';
import { DeliverableInput, EvidenceInput, missionEvidenceProblems, newEvidence, normalizeDeliverables } from '../core/evidence.js';
import { assertAgentName, Name } from '../core/identity.js';
import { assertMissionTransition } from '../core/mission-lifecycle.js';
import type { Actor, Mission, MissionDetail, Page } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { isMissionManager, isMissionMember, mayReportProgress } from '../core/policy.js';
import { assertReportedProgress } from '../core/progress.js';
import { closesForMission, isOpenTask, isTerminalMission, MISSION_STATUS_ALIASES } from '../core/status-traits.js';
import { getEvidence, insertEvidence, missionEvidence, supersedeEvidence } from '../db/evidence-repo.js';
import { getMissionRow, insertMission, listMissionRows, replaceMembers, updateMissionRow } from '../db/missions-repo.js';
import { decodeCursor, encodeCursor, parseDeliverables, toEvidence } from '../db/rows.js';
import type { MissionsTable } from '../db/schema.js';
import { listTaskRows, missionTaskStatuses, updateTaskRow } from '../db/tasks-repo.js';
import { assertProjectVisible, defaultProjectFor, lockMission, missionParties, readMission } from './access.js';
import { judgeRows } from './ci-evidence.js';
import { inWrite, type ServiceDeps, type Work } from './context.js';
import { evidenceRows, prepareEvidence } from './evidence.js';
import { asList, assertTextLength, DateInput, MAX_REASON, MAX_STATUSES, NameOrNames, pageLimit, parseInput, toIso } from './inputs.js';
import { tellMissionMoved } from './notices.js';
import { assertRoster } from './roster.js';
import { missionViews, taskViews } from './views.js';
import { settleWaiters } from './waiters.js';

export const CreateMissionInput = z.object({
  name: z.string().trim().min(1).max(200),
  project: Name.optional().describe('Default: your project'),
  priority: Priority.default('medium').describe('low | medium | high | urgent'),
  pilot: Name.describe('Agent that owns it'),
  agents: NameOrNames.optional().describe(`Agents on it`),
  description: z.string().max(5000).optional(),
  brief: z.string().max(200_000).optional().describe('Full brief, markdown'),
  status: z.enum(['brainstorm', 'plan']).optional().describe('Default brainstorm'),
  deliverables: z.array(DeliverableInput).max(50).optional().describe('Outcomes to prove'),
  startDate: DateInput.optional().describe('ISO date or epoch ms'),
  targetDate: DateInput.optional().describe('ISO date or epoch ms'),
  progress: z.number().optional().describe('0–100'),
});
export type CreateMissionInput = z.input<typeof CreateMissionInput>;

export async function createMissionIn(
  deps: ServiceDeps,
  work: Work,
  raw: CreateMissionInput,
  extra: {
    templateName?: string;
    templateVersion?: number;
    brief?: string | null;
    deliverables?: ReturnType<typeof normalizeDeliverables>;
    /** JSON: where an outside brief came from (see GithubBriefSource). */
    briefSource?: string;
  } = {},
): Promise<MissionsTable> {
  const input = parseInput(CreateMissionInput, raw);
  const project = input.project ?? defaultProjectFor(deps, work.actor);
  assertProjectVisible(work.actor, project);
  assertAgentName(input.pilot, 'pilot');
  const agents = [...new Set(asList(input.agents).map((a) => assertAgentName(a, 'agents')))];
  const roster = [
    { field: 'pilot', agents: [input.pilot] },
    { field: 'agents', agents: agents.filter((a) => a !== input.pilot) },
  ];
  if (!agents.includes(input.pilot)) agents.unshift(input.pilot);
  const progress = input.progress === undefined ? null : assertReportedProgress(input.progress);
  const deliverables = extra.deliverables ?? normalizeDeliverables(input.deliverables);
  const row: MissionsTable = {
    id: deps.ids(),
    project,
    name: input.name,
    description: input.description ?? null,
    brief: input.brief ?? extra.brief ?? null,
    priority: input.priority,
    pilot: input.pilot,
    agents: JSON.stringify(agents),
    status: input.status ?? 'brainstorm',
    progress,
    progress_note: null,
    template_name: extra.templateName ?? null,
    template_version: extra.templateVersion ?? null,
    deliverables: JSON.stringify(deliverables),
    start_date: toIso(input.startDate, 'startDate'),
    target_date: toIso(input.targetDate, 'targetDate'),
    created_by: work.actor.agent,
    created_at: work.now,
    updated_at: work.now,
    completed_at: null,
    cancelled_by: null,
    cancel_reason: null,
    next_task_seq: 0,
    brief_source: extra.briefSource ?? null,
  };
  // After every check of the input itself: the roster is checked against the tokens, the database's state.
  await assertRoster(work.tx, project, roster);
  await insertMission(work.tx, row);
  await replaceMembers(work.tx, row.id, row.pilot, agents);
  work.emit('mission.created', { project, missionId: row.id }, { name: row.name, pilot: row.pilot, status: row.status, template: extra.templateName ?? null });
  return row;
}

export async function createMission(deps: ServiceDeps, actor: Actor, input: CreateMissionInput): Promise<MissionDetail> {
  authorize(actor, 'mission.manage');
  const id = await inWrite(deps, actor, async (work) => {
    const row = await createMissionIn(deps, work, input);
    return row.id;
  });
  return missionDetail(deps, id);
}

/**
 * Reads a mission with its tasks, after the write that changed it has committed: building a 1,000-task view
 * takes milliseconds, which must not be spent holding the write lock. `withTaskEvidence: false` skips the
 * tasks' evidence (the lite view agents get by default).
 */
async function missionDetail(deps: ServiceDeps, id: string, withTaskEvidence = true): Promise<MissionDetail> {
  const db = deps.database.kysely;
  const row = await getMissionRow(db, id);
  // Missions are never deleted, and the caller has just committed this one.
  if (!row) throw new Error(`mission ${id} not found after its write`);
  const [mission] = await missionViews(db, [row]);
  const taskRows = await listTaskRows(db, { missionId: id }, 'mission', 100_000, null);
  const tasks = await taskViews(db, taskRows, withTaskEvidence);
  const rows = await missionEvidence(db, id);
  const ci = await judgeRows(db, rows);
  const evidence = rows.map((e) => toEvidence(e, ci.get(e.id)));
  return { ...mission, tasks, evidence };
}

export const GetMissionInput = z.object({
  missionId: z.string(),
  withTaskEvidence: z.boolean().optional().describe("Include each task's evidence (default true)"),
});
export type GetMissionInput = z.input<typeof GetMissionInput>;

export async function getMission(deps: ServiceDeps, actor: Actor, raw: GetMissionInput): Promise<MissionDetail> {
  const input = parseInput(GetMissionInput, raw);
  const row = await readMission(deps.database.kysely, actor, input.missionId);
  return missionDetail(deps, row.id, input.withTaskEvidence ?? true);
}

export const ListMissionsInput = z.object({
  project: Name.optional(),
  pilot: Name.optional(),
  agent: Name.optional(),
  status: z
    .union([z.string().max(100), z.array(z.string().max(100)).max(MAX_STATUSES)])
    .optional()
    .describe('Status(es), or open, active, all'),
  fields: z.enum(['lite', 'full']).optional(),
  updatedSince: DateInput.optional().describe('ISO or epoch ms'),
  limit: z.number().int().optional(),
  cursor: z.string().optional(),
});
export type ListMissionsInput = z.input<typeof ListMissionsInput>;

export function expandMissionStatuses(status: string | string[] | undefined): MissionStatusT[] | undefined {
  if (status === undefined) return undefined;
  const out = new Set<MissionStatusT>();
  for (const s of Array.isArray(status) ? status : [status]) {
    // An own-property lookup: "constructor" or "__proto__" is no alias, just an unknown status.
    const alias = Object.hasOwn(MISSION_STATUS_ALIASES, s) ? MISSION_STATUS_ALIASES[s] : undefined;
    if (alias) {
      for (const a of alias) out.add(a);
      continue;
    }
    const parsed = MissionStatus.safeParse(s);
    if (!parsed.success)
      throw validationFailed(
        'status',
        `"${echo(s)}" is not a mission status`,
        `Use ${MISSION_STATUSES.join(', ')}, or ${Object.keys(MISSION_STATUS_ALIASES).join(' / ')}.`,
      );
    out.add(parsed.data);
  }
  return [...out];
}

export async function listMissions(deps: ServiceDeps, actor: Actor, raw: ListMissionsInput): Promise<Page<Mission>> {
  const input = parseInput(ListMissionsInput, raw);
  const db = deps.database.kysely;
  const limit = pageLimit(input.limit);
  if (input.project) assertProjectVisible(actor, input.project);
  const after = decodeCursor(input.cursor);
  const rows = await listMissionRows(
    db,
    {
      project: input.project,
      projects: actor.projects,
      pilot: input.pilot,
      agent: input.agent,
      statuses: expandMissionStatuses(input.status),
      updatedSince: toIso(input.updatedSince, 'updatedSince') ?? undefined,
    },
    limit,
    (after?.[0] as string | undefined) ?? null,
  );
  const page = rows.slice(0, limit);
  const items = await missionViews(db, page);
  return { items, nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].id]) : null };
}

export const UpdateMissionFields = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(5000).optional(),
  brief: z.string().max(200_000).optional().describe('New brief (markdown)'),
  priority: Priority.optional(),
  pilot: Name.optional().describe('New pilot'),
  agents: NameOrNames.optional().describe(`Replace the agents`),
  deliverables: z.array(DeliverableInput).max(50).optional().describe('Replace the deliverables'),
  startDate: DateInput.nullable().optional().describe('null clears'),
  targetDate: DateInput.nullable().optional().describe('null clears'),
});
export type UpdateMissionFields = z.input<typeof UpdateMissionFields>;

export const UpdateMissionInput = UpdateMissionFields.extend({ missionId: z.string() });
export type UpdateMissionInput = z.input<typeof UpdateMissionInput>;

export async function updateMission(deps: ServiceDeps, actor: Actor, raw: UpdateMissionInput): Promise<MissionDetail> {
  authorize(actor, 'mission.manage');
  const { missionId: ref, ...input } = parseInput(UpdateMissionInput, raw);
  const id = await inWrite(deps, actor, async (work) => {
    const row = await lockMission(deps.database, work.tx, actor, ref);
    if (!isMissionManager(actor, missionParties(row))) {
      throw forbidden(`only the pilot (${row.pilot}) or the creator (${row.created_by}) may edit mission ${row.name}`, 'Ask the pilot.');
    }
    const patch: Partial<MissionsTable> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.description !== undefined) patch.description = input.description;
    if (input.brief !== undefined) patch.brief = input.brief;
    if (input.priority !== undefined) patch.priority = input.priority;
    if (input.startDate !== undefined) patch.start_date = toIso(input.startDate, 'startDate');
    if (input.targetDate !== undefined) patch.target_date = toIso(input.targetDate, 'targetDate');
    if (input.deliverables !== undefined) patch.deliverables = JSON.stringify(normalizeDeliverables(input.deliverables));
    const pilot = input.pilot !== undefined ? assertAgentName(input.pilot, 'pilot') : row.pilot;
    if (input.pilot !== undefined || input.agents !== undefined) {
      const current = JSON.parse(row.agents) as string[];
      const agents = input.agents !== undefined ? [...new Set(asList(input.agents).map((a) => assertAgentName(a, 'agents')))] : current;
      // Only names the edit puts on the roster: a member kept from before is not refused for a token revoked since.
      await assertRoster(work.tx, row.project, [
        { field: 'pilot', agents: pilot === row.pilot ? [] : [pilot] },
        { field: 'agents', agents: agents.filter((a) => a !== pilot && !current.includes(a)) },
      ]);
      if (!agents.includes(pilot)) agents.unshift(pilot);
      patch.pilot = pilot;
      patch.agents = JSON.stringify(agents);
      await replaceMembers(work.tx, row.id, pilot, agents);
    }
    const fields = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
    if (fields.length === 0) return row.id;
    patch.updated_at = work.now;
    await updateMissionRow(work.tx, row.id, patch);
    work.emit('mission.updated', { project: row.project, missionId: row.id }, { fields });
    return row.id;
  });
  return missionDetail(deps, id);
}

/**
 * What the completion gate refuses, judged in the transaction: each item's tier is what GitHub says now (a push
 * since it was cited can take `ci` away), never a cached "ci".
 */
async function completionProblems(work: Work, row: MissionsTable): Promise<string[]> {
  const current = (await missionEvidence(work.tx, row.id)).filter((e) => !e.superseded_by);
  const ci = await judgeRows(work.tx, current, { explain: true });
  return missionEvidenceProblems(
    parseDeliverables(row.deliverables),
    current.map((e) => toEvidence(e, ci.get(e.id))),
  );
}

export const MoveMissionInput = z.object({
  missionId: z.string(),
  status: MissionStatus.describe('Target stage'),
  reason: z.string().nullable().optional().describe('Needed for rework, cancel, reopen'),
});
export type MoveMissionInput = z.input<typeof MoveMissionInput>;

/**
 * Moves a mission through its lifecycle. Who may move it, whether the move exists and every gate are decided
 * against the locked mission and its tasks, inside the transaction.
 */
export async function moveMission(deps: ServiceDeps, actor: Actor, raw: MoveMissionInput): Promise<MissionDetail> {
  authorize(actor, 'mission.manage');
  parseInput(MissionStatus, raw.status, 'status');
  assertTextLength('reason', raw.reason, MAX_REASON);
  const { missionId: ref, status: to, reason } = parseInput(MoveMissionInput, raw);
  const id = await inWrite(deps, actor, async (work) => {
    const row = await lockMission(deps.database, work.tx, actor, ref);
    await moveMissionIn(deps, work, row, to, reason ?? null);
    return row.id;
  });
  return missionDetail(deps, id);
}

/**
 * The checks of a mission move, without writing anything: who may move it, whether the move exists, its reason and
 * its gates (tasks closed, evidence), judged on the locked mission inside the caller's transaction.
 */
export async function assertMissionMoveIn(work: Work, row: MissionsTable, to: MissionStatusT, reason: string | null): Promise<void> {
  const from = row.status;
  const tasks = await missionTaskStatuses(work.tx, row.id);
  const evidenceProblems = to === 'complete' ? await completionProblems(work, row) : [];
  assertMissionTransition({
    from,
    to,
    actor: work.actor,
    pilot: row.pilot,
    createdBy: row.created_by,
    reason,
    taskCount: tasks.length,
    unclosedTasks: tasks.filter((t) => !closesForMission(t.status)).map((t) => `${t.key} (${t.status})`),
    evidenceProblems,
  });
}

/**
 * A mission move on the locked mission, inside the caller's transaction: who may move it (the actor's), whether the
 * move exists, every gate, the change, its event and messages. `taskCancelReason` replaces the cancel reason of the
 * open tasks a cancellation cancels.
 */
export async function moveMissionIn(
  deps: ServiceDeps,
  work: Work,
  row: MissionsTable,
  to: MissionStatusT,
  reason: string | null,
  options: { taskCancelReason?: string } = {},
): Promise<void> {
  await assertMissionMoveIn(work, row, to, reason);
  const actor = work.actor;
  const from = row.status;
  const patch: Partial<MissionsTable> = { status: to, updated_at: work.now };
  if (to === 'complete') {
    patch.completed_at = work.now;
    patch.progress = 100;
  }
  if (from === 'complete') patch.completed_at = null;
  if (to === 'cancelled') {
    patch.cancelled_by = actor.agent;
    patch.cancel_reason = reason;
  }
  await updateMissionRow(work.tx, row.id, patch);
  work.emit('mission.status_changed', { project: row.project, missionId: row.id }, { from, to, reason, auto: false });
  tellMissionMoved(work, row, from, to, reason);
  if (to === 'cancelled') await cancelOpenTasks(deps, work, row, reason ?? 'mission cancelled', options.taskCancelReason);
  // The caller's row is the mission as it now is (a caller may move it again in the same transaction).
  Object.assign(row, patch);
}

/** Cancelling a mission cancels its open tasks (with their events), so no agent keeps working on it. */
async function cancelOpenTasks(
  deps: ServiceDeps,
  work: Work,
  mission: MissionsTable,
  reason: string,
  taskReason = `mission cancelled: ${reason}`,
): Promise<void> {
  const open = (await missionTaskStatuses(work.tx, mission.id)).filter((t) => isOpenTask(t.status));
  for (const t of open) {
    await updateTaskRow(work.tx, t.id, {
      status: 'cancelled',
      claimed_by: null,
      claimed_by_instance: null,
      lease_expires_at: null,
      cancel_reason: taskReason,
      completed_at: work.now,
      updated_at: work.now,
    });
    work.emit('task.cancelled', { project: mission.project, missionId: mission.id, taskId: t.id }, { reason: taskReason, from: t.status });
  }
  // Tasks of other missions blocked on these hear that their blocker is gone (this mission's own are cancelled too).
  for (const t of open) await settleWaiters(deps, work, { ...t, status: 'cancelled' });
}

// progress is checked by assertReportedProgress (the core's rule, with its own refusals), after the permission check.
export const UpdateMissionProgressInput = z.object({
  missionId: z.string(),
  progress: z.unknown().describe('Reported progress, 0–100'),
  note: z.string().optional().describe('What the number means (at most 5000 characters)'),
});
export type UpdateMissionProgressInput = z.input<typeof UpdateMissionProgressInput>;

export async function updateMissionProgress(deps: ServiceDeps, actor: Actor, raw: UpdateMissionProgressInput): Promise<MissionDetail> {
  authorize(actor, 'mission.manage');
  const { missionId: ref, progress, note } = parseInput(UpdateMissionProgressInput, raw);
  const value = assertReportedProgress(progress);
  if (note !== undefined && note.length > 5000) throw validationFailed('note', 'is longer than 5000 characters');
  const id = await inWrite(deps, actor, async (work) => {
    const row = await lockMission(deps.database, work.tx, actor, ref);
    if (!mayReportProgress(actor, missionParties(row))) {
      throw forbidden(
        `only the pilot (${row.pilot}) reports progress for mission ${row.name}`,
        'Computed progress is always returned; ask the pilot to report theirs.',
      );
    }
    if (isTerminalMission(row.status)) {
      throw new DomainError('MISSION_NOT_ACTIVE', `mission ${row.name} is ${row.status}`, 'Progress of a closed mission is final.', {
        missionStatus: row.status,
      });
    }
    await updateMissionRow(work.tx, row.id, { progress: value, progress_note: note ?? null, updated_at: work.now });
    work.emit('mission.progress', { project: row.project, missionId: row.id }, { from: row.progress, to: value, note: note ?? null });
    return row.id;
  });
  return missionDetail(deps, id);
}

export const AddMissionEvidenceInput = z.object({
  missionId: z.string(),
  evidence: z.array(EvidenceInput).max(100).optional().describe('Items (deliverable: where)'),
  deliverable: z.string().max(200).optional().describe('Deliverable for every item'),
  note: z.string().max(20_000).optional().describe('Evidence in it is parsed too'),
  supersedes: z.string().max(100).optional().describe('Id of an item this replaces'),
});
export type AddMissionEvidenceInput = z.input<typeof AddMissionEvidenceInput>;

export async function addMissionEvidence(deps: ServiceDeps, actor: Actor, raw: AddMissionEvidenceInput): Promise<MissionDetail> {
  authorize(actor, 'mission.manage');
  const input = parseInput(AddMissionEvidenceInput, raw);
  const db = deps.database.kysely;
  const before = await readMission(db, actor, input.missionId);
  const prepared = await prepareEvidence(deps, db, before.project, input.note, input.evidence);
  if (prepared.items.length === 0) {
    throw new DomainError(
      'EVIDENCE_REQUIRED',
      `no evidence item found${prepared.rejected.length ? `: ${prepared.rejected.join('; ')}` : ''}`,
      'Pass evidence items ({kind, value}) or a note citing a commit SHA, #PR, test ratio (18/18) or file path.',
    );
  }
  const id = await inWrite(deps, actor, async (work) => {
    const row = await lockMission(deps.database, work.tx, actor, before.id);
    const members: string[] = JSON.parse(row.agents);
    if (!isMissionMember(actor, missionParties(row), members)) {
      throw forbidden(`${actor.agent} is not part of mission ${row.name}`, `Ask the pilot (${row.pilot}).`);
    }
    if (row.status === 'cancelled')
      throw new DomainError('MISSION_NOT_ACTIVE', `mission ${row.name} is cancelled`, 'A cancelled mission takes no evidence.', { missionStatus: row.status });
    const deliverables = parseDeliverables(row.deliverables);
    const items = prepared.items.map((i) => ({ ...i, deliverable: i.deliverable ?? input.deliverable }));
    for (const item of items) {
      if (item.deliverable && !deliverables.some((d) => d.name === item.deliverable)) {
        throw validationFailed(
          'deliverable',
          `mission ${row.name} has no deliverable "${echo(item.deliverable)}"`,
          `Its deliverables: ${deliverables.map((d) => d.name).join(', ') || 'none (attach to the mission itself)'}.`,
        );
      }
    }
    if (input.supersedes) {
      const old = await getEvidence(work.tx, input.supersedes);
      if (!old || old.mission_id !== row.id || old.task_id !== null)
        throw validationFailed('supersedes', `evidence ${echo(input.supersedes)} is not an item of this mission`);
    }
    // An item the mission already holds (same kind, value and deliverable) is not stored again; a replacement
    // (supersedes) is always stored, since it is what the old item points to.
    const current = (await missionEvidence(work.tx, row.id)).filter((e) => e.superseded_by === null);
    const fresh = input.supersedes ? items : newEvidence(items, current);
    if (fresh.length === 0) return row.id;
    const rows = evidenceRows(deps, fresh, { project: row.project, missionId: row.id, taskId: null }, actor.agent, work.now);
    await insertEvidence(work.tx, rows);
    if (input.supersedes) await supersedeEvidence(work.tx, input.supersedes, rows[0].id);
    await updateMissionRow(work.tx, row.id, { updated_at: work.now });
    work.emit(
      'mission.evidence_added',
      { project: row.project, missionId: row.id },
      {
        items: rows.map((r) => ({ id: r.id, kind: r.kind, value: r.value, deliverable: r.deliverable, verification: r.verification })),
        supersedes: input.supersedes ?? null,
      },
    );
    return row.id;
  });
  return missionDetail(deps, id);
}

/**
 * The use cases of this module the facade exposes (see sortie.ts). updateMissionStatus is the older name of
 * moveMission, kept for the update_mission_status tool and its callers.
 */
export const USE_CASES = {
  createMission,
  getMission,
  listMissions,
  updateMission,
  moveMission,
  updateMissionStatus: moveMission,
  updateMissionProgress,
  addMissionEvidence,
};
