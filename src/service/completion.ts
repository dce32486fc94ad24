// Closing work: complete (with evidence), review, block, pause, fail, cancel and reopen — and the mission's own
// move to validate when its last open task closes.
import { z } from 'zod';
import type { MissionStatus } from '../core/enums.js';
import { DomainError, echo, forbidden, validationFailed } from '../core/errors.js';
import { assertTaskEvidence, EvidenceInput, newEvidence } from '../core/evidence.js';
import { Name } from '../core/identity.js';
import type { Actor, Task } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { isOwnReview, isTaskManager, mayCancelTask, mayReopen, mayReview, mayUnblock, worksTask } from '../core/policy.js';
import { isTerminalMission, isTerminalTask } from '../core/status-traits.js';
import { assertTaskTransition } from '../core/task-lifecycle.js';
import { evidenceForTasks, insertEvidence, supersedeTaskEvidence } from '../db/evidence-repo.js';
import { lockMissionRow, readyToValidate } from '../db/missions-repo.js';
import { parseKindList } from '../db/rows.js';
import type { EvidenceTable, MissionsTable, TasksTable } from '../db/schema.js';
import { CLAIM_CLEARED, hasOpenTask, updateTaskRow } from '../db/tasks-repo.js';
import { isTaskKey, lockTask, lockTaskAndMission, missionParties, readTask, readTaskAndRepo, type TaskRef, TaskRefFields, taskParties } from './access.js';
import { judgeCi } from './ci-evidence.js';
import { assertHolder, blockedByOtherInstance, blockedHeldElsewhere } from './claims.js';
import { inWrite, type ServiceDeps, type Work } from './context.js';
import { evidenceRows, type PreparedEvidence, prepareEvidence } from './evidence.js';
import { assertTextLength, Epoch, MAX_NOTE, MAX_REASON, Note, parseInput, Reason } from './inputs.js';
import { concernedWith, named, tellPilot, tellReviewWaiting } from './notices.js';
import { moveMissionAuto } from './tasks.js';
import { taskView } from './views.js';
import { settleWaiters } from './waiters.js';

export const CompleteInput = z.object({
  ...TaskRefFields,
  completionNote: z.string().trim().min(1).max(20_000).describe('What was done, citing evidence'),
  evidence: z.array(EvidenceInput).max(100).optional().describe('Items beyond those in the note'),
  allowNoEvidence: z.string().trim().min(1).max(2000).optional().describe('Why no evidence can exist (shown)'),
  epoch: Epoch,
});
export type CompleteInput = z.input<typeof CompleteInput>;

function label(row: Pick<TasksTable, 'key' | 'id'>): string {
  return row.key ?? row.id;
}

/**
 * Every closer locks mission then task (see lockTaskAndMission). Most take the mission's lock exclusively, so "was
 * this the last open task?" is asked by one at a time; completions share it (`'share'`) and ask again after their
 * commit where writers run side by side (lateMissionMove).
 */
function lockForClose(
  deps: ServiceDeps,
  work: Work,
  ref: TaskRef,
  missionId?: string | null,
  missionLock: 'update' | 'share' = 'update',
): Promise<{ row: TasksTable; mission: MissionsTable | null }> {
  return lockTaskAndMission(deps.database, work.tx, work.actor, ref, missionId, missionLock);
}

/** The stage move a close caused: the last open task of a mission in execute closed, so the mission moved on. */
export interface MissionMoved {
  missionId: string;
  from: MissionStatus;
  to: MissionStatus;
}

/** A closed task, with the stage move of its mission when this close caused one (what the closer needs to know next). */
export type ClosedTask = Task & { missionMoved?: MissionMoved };

/**
 * After a task closes: the tasks blocked on it are settled, and when the last open task of a mission in execute
 * closes, the mission moves to validate by itself (returned, so the closer hears of it).
 */
async function afterClose(deps: ServiceDeps, work: Work, mission: MissionsTable | null, row: TasksTable): Promise<MissionMoved | null> {
  await settleWaiters(deps, work, row);
  if (mission?.status !== 'execute') return null;
  if (await hasOpenTask(work.tx, mission.id)) return null;
  await moveMissionAuto(work, mission, 'validate', `last open task ${label(row)} closed`);
  return { missionId: mission.id, from: 'execute', to: 'validate' };
}

async function closedView(work: Work, row: TasksTable, moved: MissionMoved | null, evidence?: readonly EvidenceTable[]): Promise<ClosedTask> {
  const task = await taskView(work.tx, row, evidence);
  return moved ? { ...task, missionMoved: moved } : task;
}

/** A completion's checked input and evidence, prepared before its transaction (verification may run git). */
export interface PreparedCompletion {
  taskId: string;
  /** The task's mission when it was read (the transaction locks it without looking it up again). */
  missionId?: string | null;
  input: z.output<typeof CompleteInput>;
  prepared: PreparedEvidence;
}

export async function prepareCompletion(deps: ServiceDeps, actor: Actor, raw: CompleteInput): Promise<PreparedCompletion> {
  authorize(actor, 'task.work');
  const input = parseInput(CompleteInput, raw);
  const db = deps.database.kysely;
  const { row: before, repo } = await readTaskAndRepo(db, actor, input);
  const prepared = await prepareEvidence(deps, db, before.project, input.completionNote, input.evidence, repo);
  return { taskId: before.id, missionId: before.mission_id, input, prepared };
}

async function closeWithEvidence(deps: ServiceDeps, actor: Actor, raw: CompleteInput, target: 'done' | 'review'): Promise<ClosedTask> {
  const completion = await prepareCompletion(deps, actor, raw);
  let executing = false;
  const closed = await inWrite(deps, actor, async (work) => {
    // Completions share the mission's lock (see lateMissionMove): the agents of one mission complete side by side on
    // PostgreSQL instead of one at a time, while a change of the mission itself still waits for them.
    const { row, mission } = await lockForClose(deps, work, { taskId: completion.taskId }, completion.missionId, 'share');
    executing = mission?.status === 'execute';
    return closeLocked(deps, work, row, mission, completion, target);
  });
  return executing && target === 'done' ? lateMissionMove(deps, actor, closed) : closed;
}

/**
 * The move to validate that two concurrent completions can each leave to the other. Where writers run side by side
 * (PostgreSQL), the completions of a mission's last two tasks may each still see the other's task open inside their
 * own transaction, and neither moves the mission. The one that commits last sees both closed once it has committed:
 * every completion that did not move its mission asks again after its commit, and the move then runs on its own,
 * under the mission's exclusive lock, checked once more. With one writer at a time (SQLite) the check inside the
 * transaction is exact, and this asks nothing.
 */
async function lateMissionMove(deps: ServiceDeps, actor: Actor, closed: ClosedTask): Promise<ClosedTask> {
  const missionId = closed.missionId;
  if (deps.database.writesSerialized || closed.missionMoved || !missionId) return closed;
  if (!(await readyToValidate(deps.database.kysely, missionId))) return closed;
  const moved = await inWrite(deps, actor, async (work): Promise<MissionMoved | null> => {
    const mission = await lockMissionRow(deps.database, work.tx, missionId);
    if (mission?.status !== 'execute' || (await hasOpenTask(work.tx, missionId))) return null;
    await moveMissionAuto(work, mission, 'validate', `last open task ${closed.key ?? closed.taskId} closed`);
    return { missionId, from: 'execute', to: 'validate' };
  });
  return moved ? { ...closed, missionMoved: moved } : closed;
}

/** in_progress (holder) or review (reviewer) → done, or in_progress → review, on the locked row: the evidence gate. */
export async function closeLocked(
  deps: ServiceDeps,
  work: Work,
  row: TasksTable,
  mission: MissionsTable | null,
  { input, prepared }: PreparedCompletion,
  target: 'done' | 'review',
): Promise<ClosedTask> {
  const actor = work.actor;
  if (row.status === 'review' && target === 'done') {
    // The reviewer's approval: the pilot, the mission's creator or the task's creator — not the author.
    authorize(actor, 'task.manage');
    if (!mayReview(actor, taskParties(row), mission && missionParties(mission))) {
      throw forbidden(
        `${actor.agent} may not approve task ${label(row)}`,
        `The pilot (${mission?.pilot ?? row.created_by}) or the task's creator approves reviews.`,
      );
    }
    if (isOwnReview(actor, taskParties(row))) {
      throw forbidden(
        `${actor.agent} wrote task ${label(row)} and may not approve its own review`,
        'Another reviewer approves it; to close your own work without review, complete it from in_progress instead.',
      );
    }
  } else {
    await assertHolder(work, row, input.epoch, target === 'done' ? 'complete' : 'submit for review');
    assertTaskTransition(row.status, target);
  }
  // Existing, still-valid task evidence counts toward the gate (e.g. items cited when it went to review). All of it
  // is read once: the answer's view lists it too, with the items this close adds.
  const recorded = (await evidenceForTasks(work.tx, [row.id])).get(row.id) ?? [];
  const existing = recorded.filter((e) => e.superseded_by === null);
  // The same item given again (a reviewer approving with the PR the author cited) is stored once.
  const fresh = newEvidence(prepared.items, existing);
  assertTaskEvidence({
    items: await withCiTiers(work, row.project, [
      ...existing.map((e) => ({ kind: e.kind as never, value: e.value, verification: e.verification, verificationDetail: e.verification_detail })),
      ...fresh,
    ]),
    requiredKinds: parseKindList(row.required_evidence, 'tasks.required_evidence'),
    allowNoEvidence: input.allowNoEvidence,
    rejected: prepared.rejected,
    target,
  });
  const patch: Partial<TasksTable> = {
    status: target,
    ...CLAIM_CLEARED,
    completion_note: input.completionNote,
    allow_no_evidence: input.allowNoEvidence ?? row.allow_no_evidence,
    completed_at: target === 'done' ? work.now : null,
    updated_at: work.now,
  };
  await updateTaskRow(work.tx, row.id, patch);
  const rows = evidenceRows(deps, fresh, { project: row.project, missionId: row.mission_id, taskId: row.id }, actor.agent, work.now);
  await insertEvidence(work.tx, rows);
  work.emit(
    target === 'done' ? 'task.completed' : 'task.review_requested',
    { project: row.project, missionId: row.mission_id, taskId: row.id },
    {
      from: row.status,
      epoch: row.epoch,
      evidence: rows.map((r) => ({ kind: r.kind, value: r.value, verification: r.verification })),
      allowNoEvidence: input.allowNoEvidence ?? null,
    },
  );
  const after = { ...row, ...patch } as TasksTable;
  if (target === 'review') tellReviewWaiting(work, after, mission);
  return closedView(work, after, target === 'done' ? await afterClose(deps, work, mission, after) : null, [...recorded, ...rows]);
}

/**
 * The gate's items with their tier as GitHub says it now, in the transaction (no query unless one is a pr or
 * commit): checks that failed count as a failed item, like a failed verification.
 */
async function withCiTiers<T extends { kind: string; value: string; verification: string; verificationDetail?: string | null }>(
  work: Work,
  project: string,
  items: readonly T[],
): Promise<T[]> {
  const ci = await judgeCi(work.tx, project, items, { explain: true });
  return items.map((item, i) => {
    const j = ci[i];
    if (!j) return item;
    return { ...item, tier: j.tier, tierWhy: j.why, ...(j.failed ? { verification: 'failed' } : {}) };
  });
}

/** complete_task: in_progress (holder) or review (reviewer) → done, only with evidence. */
export function completeTask(deps: ServiceDeps, actor: Actor, input: CompleteInput): Promise<ClosedTask> {
  return closeWithEvidence(deps, actor, input, 'done');
}

/** in_progress → review: the same evidence gate as completion. */
export function submitForReview(deps: ServiceDeps, actor: Actor, input: CompleteInput): Promise<ClosedTask> {
  return closeWithEvidence(deps, actor, input, 'review');
}

export const BlockInput = z.object({
  ...TaskRefFields,
  reason: z.string().trim().min(1).max(5000).optional().describe('What the task is waiting for'),
  blockedBy: Name.optional().describe('Who blocks it (agent, legal-team, ci)'),
  blockedOnTaskId: z.string().max(100).optional().describe('Task it waits on; clears itself when that is done'),
  blockedCause: z.enum(['peer_task', 'human', 'authorisation', 'other']).optional().describe('peer_task | human | authorisation | other'),
  epoch: Epoch,
});
export type BlockInput = z.input<typeof BlockInput>;

/** in_progress → blocked. The claim stays with the holder but the lease stops running while it waits. */
export async function blockTask(deps: ServiceDeps, actor: Actor, raw: BlockInput): Promise<Task> {
  authorize(actor, 'task.work');
  const input = parseInput(BlockInput, raw);
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockForClose(deps, work, input);
    return blockLocked(work, row, input, mission);
  });
}

export async function blockLocked(work: Work, row: TasksTable, input: z.output<typeof BlockInput>, mission: MissionsTable | null = null): Promise<Task> {
  await assertHolder(work, row, input.epoch, 'block');
  if (!input.reason && !input.blockedOnTaskId) {
    throw validationFailed(
      'reason',
      'a block needs a reason or the task it waits on (blockedOnTaskId)',
      'Say what the task waits for (reason), or name the task it waits on, so it can be unblocked — by itself when that task is done.',
    );
  }
  assertTaskTransition(row.status, 'blocked');
  const blocker = input.blockedOnTaskId ? await assertBlocker(work, row, input.blockedOnTaskId) : null;
  const blockedOn = blocker?.id ?? null;
  const patch: Partial<TasksTable> = {
    status: 'blocked',
    lease_expires_at: null,
    blocked_reason: input.reason ?? null,
    blocked_by: input.blockedBy ?? null,
    blocked_on_task_id: blockedOn,
    blocked_cause: input.blockedCause ?? (blockedOn ? 'peer_task' : 'other'),
    updated_at: work.now,
  };
  await updateTaskRow(work.tx, row.id, patch);
  work.emit(
    'task.blocked',
    { project: row.project, missionId: row.mission_id, taskId: row.id },
    {
      reason: patch.blocked_reason,
      blockedBy: patch.blocked_by,
      blockedOnTaskId: blockedOn,
      blockedCause: patch.blocked_cause,
    },
  );
  const after = { ...row, ...patch } as TasksTable;
  if (patch.blocked_cause === 'human') tellPilot(work, mission, 'task.blocked_on_human', after, input.reason ?? input.blockedBy ?? 'no reason given');
  return taskView(work.tx, after);
}

/**
 * The task a block waits on must be one that can still be done by someone else: visible, not the blocked task,
 * not another open task of the same agent (finish that instead), and not already closed (nothing to wait for).
 */
async function assertBlocker(work: Work, row: TasksTable, ref: string): Promise<TasksTable> {
  // The task's mission scopes a T-key only: a task id may name a task of any mission.
  const scope = isTaskKey(ref) ? row.mission_id : undefined;
  const blocker = await readTask(work.tx, work.actor, { taskId: ref, missionId: scope });
  if (blocker.id === row.id) throw validationFailed('blockedOnTaskId', 'a task cannot be blocked on itself', 'Name the task it waits on, or give a reason.');
  // Its close changes the waiting task, in the closer's transaction: both must be of one project, which whoever may
  // close the blocker can see.
  if (blocker.project !== row.project) {
    throw validationFailed(
      'blockedOnTaskId',
      `${named(blocker)} is in project ${blocker.project}, not ${row.project}`,
      'A task can wait only on a task of its own project; for work elsewhere, give a reason (and blockedBy).',
    );
  }
  if (isTerminalTask(blocker.status)) {
    throw validationFailed(
      'blockedOnTaskId',
      `${named(blocker)} is already ${blocker.status}: there is nothing to wait for`,
      blocker.status === 'done'
        ? 'Its work is done: go on with this task. If that work must be redone, ask for it to be reopened (reopen_task).'
        : 'Block on the task that replaces it, or give a reason; or have it reopened (reopen_task).',
    );
  }
  const mine = work.actor.agent;
  if (blocker.assigned_to === mine || blocker.claimed_by === mine) {
    throw validationFailed(
      'blockedOnTaskId',
      `${named(blocker)} is your own open task: blocking on your own work would wait forever`,
      'Finish that task first (release this one, or pause it with a reason), or hand it to someone else.',
    );
  }
  return blocker;
}

export const UnblockTaskInput = z.object({ ...TaskRefFields, reason: Reason.optional().describe('Why it can go on') });
export type UnblockTaskInput = z.input<typeof UnblockTaskInput>;

/** blocked → todo: the claim is handed back so anyone eligible can pick it up. */
export async function unblockTask(deps: ServiceDeps, actor: Actor, raw: UnblockTaskInput): Promise<Task> {
  authorize(actor, 'task.work');
  const input = parseInput(UnblockTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockForClose(deps, work, input);
    return unblockLocked(work, row, mission, input.reason);
  });
}

export async function unblockLocked(work: Work, row: TasksTable, mission: MissionsTable | null, reason?: string): Promise<Task> {
  const actor = work.actor;
  assertTaskTransition(row.status, 'todo');
  if (!mayUnblock(actor, taskParties(row), mission && missionParties(mission)))
    throw forbidden(`${actor.agent} may not unblock task ${label(row)}`, 'Its holder, creator or the mission pilot may.');
  // A worker unblocks only the task it holds; unblocking someone else's is management.
  if (!worksTask(actor, taskParties(row))) authorize(actor, 'task.manage');
  // Clearing a claim another session of this agent holds would hand it over without a takeover; a manager may.
  if (blockedByOtherInstance(row, actor) && !isTaskManager(actor, taskParties(row), mission && missionParties(mission)))
    throw blockedHeldElsewhere(row, actor, 'unblock');
  const patch: Partial<TasksTable> = { status: 'todo', ...CLAIM_CLEARED, updated_at: work.now };
  await updateTaskRow(work.tx, row.id, patch);
  work.emit('task.unblocked', { project: row.project, missionId: row.mission_id, taskId: row.id }, { reason: reason ?? null });
  return taskView(work.tx, { ...row, ...patch } as TasksTable);
}

export const PauseTaskInput = z.object({
  ...TaskRefFields,
  reason: Reason.optional().describe('Why the work stops for now, and where it stands (required)'),
  epoch: Epoch,
});
export type PauseTaskInput = z.input<typeof PauseTaskInput>;

/**
 * in_progress → todo, by the holder, with a reason: the work stops for now and the claim is released (which frees
 * the holder's in-progress slot in the project), but unlike a release the task remembers it was paused and why
 * (paused_at, paused_reason) until it is claimed again. The assignee stays as it is — an unassigned task stays
 * unassigned, claimable by the mission's agents — and who paused it is the task's last holder (only the holder
 * pauses), so my_work lists it under `paused` for that agent and for its assignee.
 */
export async function pauseTask(deps: ServiceDeps, actor: Actor, raw: PauseTaskInput): Promise<Task> {
  authorize(actor, 'task.work');
  assertTextLength('reason', raw.reason, MAX_REASON);
  const input = parseInput(PauseTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const row = await lockTask(deps.database, work.tx, actor, input);
    await assertHolder(work, row, input.epoch, 'pause');
    // After the holder check: only the holder is told what its call lacks.
    const reason = input.reason?.trim();
    if (!reason) throw validationFailed('reason', 'is required', 'Say why the work stops and where it stands, so it can be picked up again.');
    assertTaskTransition(row.status, 'todo');
    const patch: Partial<TasksTable> = { status: 'todo', ...CLAIM_CLEARED, paused_at: work.now, paused_reason: reason, updated_at: work.now };
    await updateTaskRow(work.tx, row.id, patch);
    work.emit(
      'task.paused',
      { project: row.project, missionId: row.mission_id, taskId: row.id },
      { reason, epoch: row.epoch, instance: row.claimed_by_instance },
    );
    return taskView(work.tx, { ...row, ...patch } as TasksTable);
  });
}

// The note or reason a fail, cancel or reopen needs is optional in its schema: its absence is refused on the locked
// row, after the holder or permission check, so only a caller who may make the move is told what its call lacks.
export const FailTaskInput = z.object({
  ...TaskRefFields,
  failureNote: Note.optional().describe('What went wrong and what was tried (required)'),
  epoch: Epoch,
});
export type FailTaskInput = z.input<typeof FailTaskInput>;

/** in_progress → failed, with a note saying what went wrong. A failed task does not satisfy its dependents. */
export async function failTask(deps: ServiceDeps, actor: Actor, raw: FailTaskInput): Promise<ClosedTask> {
  authorize(actor, 'task.work');
  assertTextLength('failureNote', raw.failureNote, MAX_NOTE);
  const input = parseInput(FailTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockForClose(deps, work, input);
    return failLocked(deps, work, row, mission, input.failureNote ?? '', input.epoch);
  });
}

export async function failLocked(
  deps: ServiceDeps,
  work: Work,
  row: TasksTable,
  mission: MissionsTable | null,
  failureNote: string,
  epoch?: number,
): Promise<ClosedTask> {
  await assertHolder(work, row, epoch, 'fail');
  // After the holder check: only the holder is told what its call lacks.
  if (!failureNote?.trim()) throw validationFailed('failureNote', 'is required', 'Say what failed and what was tried.');
  assertTaskTransition(row.status, 'failed');
  const patch: Partial<TasksTable> = { status: 'failed', ...CLAIM_CLEARED, failure_note: failureNote, completed_at: work.now, updated_at: work.now };
  await updateTaskRow(work.tx, row.id, patch);
  work.emit('task.failed', { project: row.project, missionId: row.mission_id, taskId: row.id }, { failureNote, epoch: row.epoch });
  const after = { ...row, ...patch } as TasksTable;
  tellPilot(work, mission, 'task.failed', after, failureNote);
  return closedView(work, after, await afterClose(deps, work, mission, after));
}

export const CancelTaskInput = z.object({ ...TaskRefFields, cancelReason: Reason.optional().describe('Why it is cancelled (required)') });
export type CancelTaskInput = z.input<typeof CancelTaskInput>;

/** Any open task → cancelled, with a reason, by its creator or the mission's pilot. */
export async function cancelTask(deps: ServiceDeps, actor: Actor, raw: CancelTaskInput): Promise<Task> {
  authorize(actor, 'task.manage');
  assertTextLength('cancelReason', raw.cancelReason, MAX_REASON);
  const input = parseInput(CancelTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockForClose(deps, work, input);
    return cancelLocked(deps, work, row, mission, input.cancelReason ?? '');
  });
}

/** Cancels the locked row; the caller has authorized task.manage. */
export async function cancelLocked(deps: ServiceDeps, work: Work, row: TasksTable, mission: MissionsTable | null, reason: string): Promise<Task> {
  const actor = work.actor;
  if (!mayCancelTask(actor, taskParties(row), mission && missionParties(mission)))
    throw forbidden(
      `only the creator (${row.created_by})${mission ? ` or the pilot (${mission.pilot})` : ''} may cancel task ${label(row)}`,
      'Ask them, or fail/release it if you hold it.',
    );
  // After the permission check: only someone who may cancel is told the call lacks a reason.
  if (!reason?.trim()) throw validationFailed('cancelReason', 'is required', 'Say why the task is cancelled.');
  assertTaskTransition(row.status, 'cancelled');
  // A pause (of a todo task) ends with the cancel: reopened, the task is not someone's paused work again.
  const patch: Partial<TasksTable> = {
    status: 'cancelled',
    ...CLAIM_CLEARED,
    cancel_reason: reason,
    paused_at: null,
    paused_reason: null,
    completed_at: work.now,
    updated_at: work.now,
  };
  await updateTaskRow(work.tx, row.id, patch);
  work.emit('task.cancelled', { project: row.project, missionId: row.mission_id, taskId: row.id }, { reason, from: row.status });
  const after = { ...row, ...patch } as TasksTable;
  const concerned = concernedWith(row);
  if (concerned) work.tell({ to: concerned, kind: 'task.cancelled', text: `task ${named(row)} was cancelled by ${actor.agent}: ${echo(reason, 300)}` });
  await afterClose(deps, work, mission, after);
  return taskView(work.tx, after);
}

export const ReopenTaskInput = z.object({ ...TaskRefFields, reason: Reason.optional().describe('Why it is reopened (required)') });
export type ReopenTaskInput = z.input<typeof ReopenTaskInput>;

/**
 * done / cancelled / failed → todo, with a reason. Its old evidence is superseded (the next completion cites
 * its own), and a mission under validation goes back to execute.
 */
export async function reopenTask(deps: ServiceDeps, actor: Actor, raw: ReopenTaskInput): Promise<Task> {
  authorize(actor, 'task.manage');
  assertTextLength('reason', raw.reason, MAX_REASON);
  const input = parseInput(ReopenTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockForClose(deps, work, input);
    return reopenLocked(work, row, mission, input.reason ?? '');
  });
}

/** Reopens the locked row; the caller has authorized task.manage. */
export async function reopenLocked(work: Work, row: TasksTable, mission: MissionsTable | null, reason: string): Promise<Task> {
  const actor = work.actor;
  if (!mayReopen(actor, taskParties(row), mission && missionParties(mission)))
    throw forbidden(`${actor.agent} may not reopen task ${label(row)}`, 'Its creator, assignee, last holder or the mission pilot may.');
  if (!reason?.trim()) throw validationFailed('reason', 'is required', 'Say why the task is reopened.');
  assertTaskTransition(row.status, 'todo', 'reopen');
  if (mission && isTerminalMission(mission.status)) {
    throw new DomainError(
      'MISSION_NOT_ACTIVE',
      `mission ${mission.name} is ${mission.status}`,
      mission.status === 'complete'
        ? `The pilot (${mission.pilot}) reopens the mission first (update_mission_status to execute with a reason).`
        : 'A cancelled mission stays closed.',
      { missionStatus: mission.status },
    );
  }
  const patch: Partial<TasksTable> = {
    status: 'todo',
    ...CLAIM_CLEARED,
    completed_at: null,
    completion_note: null,
    allow_no_evidence: null,
    cancel_reason: null,
    failure_note: null,
    reopen_reason: reason,
    updated_at: work.now,
  };
  await updateTaskRow(work.tx, row.id, patch);
  await supersedeTaskEvidence(work.tx, row.id, `reopen@${work.now}`);
  work.emit('task.reopened', { project: row.project, missionId: row.mission_id, taskId: row.id }, { from: row.status, reason });
  if (mission?.status === 'validate') await moveMissionAuto(work, mission, 'execute', `task ${label(row)} reopened: ${reason}`);
  return taskView(work.tx, { ...row, ...patch } as TasksTable);
}

export const ReturnFromReviewInput = z.object({ ...TaskRefFields, reason: Reason.optional().describe('What needs rework') });
export type ReturnFromReviewInput = z.input<typeof ReturnFromReviewInput>;

/** review → in_progress: the reviewer sends it back; the last holder gets a fresh claim to rework it. */
export async function returnFromReview(deps: ServiceDeps, actor: Actor, raw: ReturnFromReviewInput): Promise<Task> {
  authorize(actor, 'task.manage');
  const input = parseInput(ReturnFromReviewInput, raw);
  return inWrite(deps, actor, async (work) => {
    const { row, mission } = await lockForClose(deps, work, input);
    return returnFromReviewLocked(deps, work, row, mission, input.reason);
  });
}

/** Sends the locked row back from review; the caller has authorized task.manage. */
export async function returnFromReviewLocked(
  deps: ServiceDeps,
  work: Work,
  row: TasksTable,
  mission: MissionsTable | null,
  reason: string | undefined,
): Promise<Task> {
  const actor = work.actor;
  assertTaskTransition(row.status, 'in_progress');
  if (row.status !== 'review')
    throw new DomainError('INVALID_TRANSITION', `task ${label(row)} is ${row.status}, not review`, 'Only a task in review can be sent back.', {
      from: row.status,
    });
  if (!mayReview(actor, taskParties(row), mission && missionParties(mission)))
    throw forbidden(`${actor.agent} may not send task ${label(row)} back`, 'The pilot or the task creator reviews.');
  const holder = row.last_holder ?? row.assigned_to;
  const patch: Partial<TasksTable> = {
    status: 'in_progress',
    claimed_by: holder,
    lease_expires_at: new Date(work.nowMs + (row.lease_ms ?? deps.config.leaseMs)).toISOString(),
    epoch: row.epoch + 1,
    updated_at: work.now,
  };
  await updateTaskRow(work.tx, row.id, patch);
  work.emit(
    'task.review_rejected',
    { project: row.project, missionId: row.mission_id, taskId: row.id },
    { reason: reason ?? null, holder, epoch: patch.epoch },
  );
  if (holder)
    work.tell({
      to: holder,
      kind: 'review.returned',
      text: `${actor.agent} sent task ${named(row)} back from review${reason ? `: ${echo(reason, 300)}` : ''}; it is yours again, in progress`,
    });
  return taskView(work.tx, { ...row, ...patch } as TasksTable);
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { completeTask, submitForReview, returnFromReview, blockTask, unblockTask, pauseTask, failTask, cancelTask, reopenTask };
