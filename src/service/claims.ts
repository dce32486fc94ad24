// Claims with leases: atomic checkout, the ready-queue claim, heartbeats, release, and the expiry sweep.
// Claims are fenced by (claimed_by, claimed_by_instance, epoch, lease_expires_at): a write from a holder whose lease
// expired, was reclaimed or was taken over by another instance is refused with LEASE_LOST and never applied.
// A claim belongs to one instance of an agent (one `sortie mcp` process, one X-Sortie-Instance; no instance at all
// is the agent's default instance): another instance of the same agent is refused like any other claimant, until
// it takes the claim over explicitly (takeover: true), which moves it with a new epoch.
import { z } from 'zod';
import { iso } from '../core/clock.js';
import { DomainError, echo, forbidden } from '../core/errors.js';
import { inProgressLimit, mayStartAnother } from '../core/in-progress-limit.js';
import type { Actor, Task } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { mayClaimUnassigned, mayResumeReview } from '../core/policy.js';
import { satisfiesDependency } from '../core/status-traits.js';
import { assertTaskTransition } from '../core/task-lifecycle.js';
import type { Db } from '../db/database.js';
import { hasClaimed, instanceHeld } from '../db/events-repo.js';
import { getMissionRow } from '../db/missions-repo.js';
import { getProject } from '../db/projects-repo.js';
import { parseStringList } from '../db/rows.js';
import type { MissionsTable, TasksTable } from '../db/schema.js';
import {
  anyExpiredLease,
  CLAIM_CLEARED,
  depsOf,
  expiredLeases,
  type HeldTask,
  heldTasks,
  inProgressOf,
  pickReadyTask,
  taskTitles,
  updateTaskRow,
} from '../db/tasks-repo.js';
import { assertProjectVisible, lockTask, missionParties, readMission, TaskRefFields, taskParties } from './access.js';
import { inWrite, type ServiceDeps, type Work } from './context.js';
import { Epoch, parseInput, Reason, WaitSeconds } from './inputs.js';
import { tellClaimLost } from './notices.js';
import { taskView } from './views.js';

const LeaseMinutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60)
  .optional()
  .describe('Lease minutes');

export const CheckoutTaskInput = z.object({
  ...TaskRefFields,
  leaseMinutes: LeaseMinutes,
  takeover: z
    .boolean()
    .optional()
    .describe(
      "Move a live claim held by another instance of the same agent to the caller's instance (a restarted session recovering its agent's work). Another agent's claim is never taken over; an unheld task is simply claimed.",
    ),
});
export type CheckoutTaskInput = z.input<typeof CheckoutTaskInput>;

export const ClaimNextTaskInput = z.object({
  missionId: z.string().optional().describe('Only tasks of this mission'),
  project: z.string().optional().describe('Only tasks of this project'),
  leaseMinutes: LeaseMinutes,
  // Taken by the waiting call (awaitNextTask in waiting.ts), not by the claim's transaction.
  waitSeconds: WaitSeconds.optional().describe('Wait up to this long for one'),
});
export type ClaimNextTaskInput = z.input<typeof ClaimNextTaskInput>;

export const HeartbeatTaskInput = z.object({ ...TaskRefFields, epoch: Epoch, leaseMinutes: LeaseMinutes });
export type HeartbeatTaskInput = z.input<typeof HeartbeatTaskInput>;

export const ReleaseTaskInput = z.object({ ...TaskRefFields, reason: Reason.optional().describe('Why the claim is handed back'), epoch: Epoch });
export type ReleaseTaskInput = z.input<typeof ReleaseTaskInput>;

export interface ClaimOptions {
  /** Lease minutes. */
  leaseMinutes?: number;
  /** Move a live claim held by another instance of the same agent to the caller's instance; see CheckoutTaskInput. */
  takeover?: boolean;
}

function leaseMs(deps: ServiceDeps, row: TasksTable, options: ClaimOptions): number {
  return options.leaseMinutes ? options.leaseMinutes * 60_000 : (row.lease_ms ?? deps.config.leaseMs);
}

function label(row: Pick<TasksTable, 'key' | 'id'>): string {
  return row.key ?? row.id;
}

function leaseLive(row: TasksTable, now: string): boolean {
  return row.status === 'in_progress' && row.lease_expires_at !== null && row.lease_expires_at > now;
}

/** The instance a claim or a caller stands for: its name, or null for the agent's default instance. */
function instanceOf(value: string | null | undefined): string | null {
  return value ?? null;
}

function instanceLabel(instance: string | null): string {
  return instance === null ? 'the default instance (no instance name)' : `instance ${instance}`;
}

/** Whether the actor — this agent through this instance — holds the row's live lease. */
export function holdsLiveClaim(row: TasksTable, actor: Actor, now: string): boolean {
  return leaseLive(row, now) && row.claimed_by === actor.agent && instanceOf(row.claimed_by_instance) === instanceOf(actor.instance);
}

/** The refusal for an instance of the holder's agent that does not hold the live claim (and never did). */
function heldByOtherInstance(row: TasksTable, actor: Actor, action: string): DomainError {
  const holder = instanceOf(row.claimed_by_instance);
  return new DomainError(
    'ALREADY_CLAIMED',
    `cannot ${action} task ${label(row)}: it is held by ${row.claimed_by} through ${instanceLabel(holder)} until ${row.lease_expires_at}, not by this session (${instanceLabel(instanceOf(actor.instance))})`,
    'Another session of your agent holds it. If that session is gone, move the claim here with checkout_task {takeover: true} (my_work lists it under heldElsewhere); otherwise leave it to that session.',
    {
      holder: row.claimed_by,
      holderInstance: holder,
      leaseExpiresAt: row.lease_expires_at,
      epoch: row.epoch,
      yourInstance: instanceOf(actor.instance),
    },
  );
}

/** Returns an in-progress task whose lease ran out to todo, with its event. */
async function expireLease(work: Work, row: TasksTable, reason: string): Promise<TasksTable> {
  const patch = { status: 'todo', ...CLAIM_CLEARED, updated_at: work.now } as const;
  await updateTaskRow(work.tx, row.id, patch);
  work.emit(
    'task.lease_expired',
    { project: row.project, missionId: row.mission_id, taskId: row.id },
    {
      holder: row.claimed_by,
      epoch: row.epoch,
      leaseExpiresAt: row.lease_expires_at,
      reason,
    },
  );
  tellClaimLost(work, row, row.claimed_by, 'lease.expired');
  return { ...row, ...patch };
}

async function assertMissionExecuting(db: Db, row: TasksTable): Promise<MissionsTable | null> {
  if (!row.mission_id) return null;
  const mission = await getMissionRow(db, row.mission_id);
  if (mission && mission.status !== 'execute') {
    throw new DomainError(
      'MISSION_NOT_ACTIVE',
      `mission ${mission.name} is in ${mission.status}; its tasks can be worked only in execute`,
      mission.status === 'brainstorm' || mission.status === 'plan'
        ? `The pilot (${mission.pilot}) moves it to execute with update_mission_status when the plan is ready.`
        : mission.status === 'validate'
          ? 'The mission is under validation; reopen a task (reopen_task) or ask the pilot to move it back to execute.'
          : 'The mission is closed.',
      { missionStatus: mission.status },
    );
  }
  return mission ?? null;
}

function assertEligible(actor: Actor, row: TasksTable, mission: MissionsTable | null): void {
  if (row.assigned_to) {
    if (row.assigned_to !== actor.agent) {
      throw forbidden(
        `task ${label(row)} is assigned to ${row.assigned_to}`,
        'Claim tasks assigned to you or unassigned ones (claim_next_task picks one); the pilot can reassign with update_task.',
      );
    }
    return;
  }
  if (mission) {
    if (!mayClaimUnassigned(actor, missionParties(mission), parseStringList(mission.agents, 'agents'))) {
      throw forbidden(
        `${actor.agent} is not the pilot or an agent of mission ${mission.name}`,
        `Unassigned tasks are claimable by the mission's agents; ask the pilot (${mission.pilot}) to add you.`,
      );
    }
  }
}

/** The blockers of a task: dependencies that are neither done nor cancelled (a failed one does not satisfy). */
export async function assertDependenciesDone(db: Db, row: TasksTable): Promise<void> {
  const deps = (await depsOf(db, [row.id])).get(row.id) ?? [];
  const blockers = deps.filter((d) => !satisfiesDependency(d.status));
  if (blockers.length === 0) return;
  const titles = await taskTitles(
    db,
    blockers.map((b) => b.id),
  );
  const named = blockers.map((b) => {
    const t = titles.get(b.id);
    return `${t?.key ?? b.id} "${t?.title ?? ''}" (${b.status})`;
  });
  throw new DomainError(
    'DEPENDENCY_NOT_DONE',
    `task ${label(row)} waits on ${named.join(', ')}`,
    blockers.some((b) => b.status === 'failed')
      ? 'A failed dependency does not satisfy: reopen and finish it, or cancel it, or remove the dependency.'
      : 'Finish those tasks first, or pick a ready task (list_tasks with ready: true, or claim_next_task).',
    { blockers: blockers.map((b) => ({ taskId: b.id, key: titles.get(b.id)?.key ?? null, status: b.status })) },
  );
}
/**
 * Whether a blocked task's claim (kept while it waits, without a lease) belongs to another session of the actor's
 * agent. Resuming or clearing it from this session would move the claim without a takeover: refused unless the
 * caller takes over explicitly.
 */
export function blockedByOtherInstance(row: TasksTable, actor: Actor): boolean {
  return row.status === 'blocked' && row.claimed_by === actor.agent && instanceOf(row.claimed_by_instance) !== instanceOf(actor.instance);
}

/** The refusal for another session of the holder's agent acting on a blocked task that session holds. */
export function blockedHeldElsewhere(row: TasksTable, actor: Actor, action: string): DomainError {
  const holder = instanceOf(row.claimed_by_instance);
  return new DomainError(
    'ALREADY_CLAIMED',
    `cannot ${action} task ${label(row)}: it is blocked and held by ${row.claimed_by} through ${instanceLabel(holder)}, not by this session (${instanceLabel(instanceOf(actor.instance))})`,
    'Another session of your agent holds it. If that session is gone, resume it here with checkout_task {takeover: true}; otherwise leave it to that session.',
    { holder: row.claimed_by, holderInstance: holder, epoch: row.epoch, yourInstance: instanceOf(actor.instance) },
  );
}

/** How many of an instance's tasks in progress a refusal names beyond the limit (it holds more only by exception). */
const LISTED_BEYOND_LIMIT = 10;

/** What keeps an agent instance from starting another task in a project: its limit there, and the tasks that fill it. */
interface StartBlocker {
  project: string;
  limit: number;
  heldIds: string[];
}

/** The project's in-progress limit (null: the rule is off there), from its setting. */
async function limitOf(db: Db, project: string): Promise<number | null> {
  return inProgressLimit((await getProject(db, project))?.max_in_progress);
}

/**
 * The in-progress rule on a claim of the locked row: the actor's instance may start it only while it holds fewer
 * than its project's limit of other tasks in progress (live leases). Race-free: the instance's claims in the
 * project are serialized first (lockClaimsOf; SQLite's write transaction already is), so of two concurrent claims
 * of two different tasks the second counts the first. Costs a claim two short reads (the setting, the count) and,
 * on PostgreSQL, the lock. Returns what blocks the start, or null.
 */
async function startBlocker(deps: ServiceDeps, work: Work, row: TasksTable): Promise<StartBlocker | null> {
  const limit = await limitOf(work.tx, row.project);
  if (limit === null) return null;
  const holder = { agent: work.actor.agent, instance: instanceOf(work.actor.instance) };
  await deps.database.lockClaimsOf(work.tx, holder);
  const held = await inProgressOf(work.tx, { ...holder, project: row.project }, work.now, limit + LISTED_BEYOND_LIMIT, row.id);
  return mayStartAnother(held.length, limit) ? null : { project: row.project, limit, heldIds: held.map((t) => t.id) };
}

/**
 * The projects where the actor's instance is at its in-progress limit now (claim_next_task picks elsewhere). A plain
 * count, without the claim lock: the claim itself checks again under it (startBlocker).
 */
async function projectsAtLimit(work: Work): Promise<Map<string, StartBlocker>> {
  const holder = { agent: work.actor.agent, instance: instanceOf(work.actor.instance) };
  const byProject = new Map<string, string[]>();
  for (const task of await inProgressOf(work.tx, holder, work.now, 500)) byProject.set(task.project, [...(byProject.get(task.project) ?? []), task.id]);
  const full = new Map<string, StartBlocker>();
  for (const [project, heldIds] of byProject) {
    const limit = await limitOf(work.tx, project);
    if (limit !== null && !mayStartAnother(heldIds.length, limit)) full.set(project, { project, limit, heldIds });
  }
  return full;
}

function heldLabel(task: HeldTask): string {
  return `${task.key ?? task.id} "${echo(task.title)}" (${task.mission_name ? `mission ${task.mission_name}` : 'no mission'})`;
}

/** The refusal of a start past the limit: names the tasks in progress and the ways to free the slot. */
async function taskStartBlocked(db: Db, row: TasksTable, actor: Actor, blocker: StartBlocker): Promise<DomainError> {
  const { project, limit } = blocker;
  const held = await heldTasks(db, blocker.heldIds);
  const shown = held.slice(0, 3).map(heldLabel).join(', ') + (held.length > 3 ? ` and ${held.length - 3} more` : '');
  const one = held.length === 1;
  return new DomainError(
    'TASK_START_BLOCKED',
    `cannot start task ${label(row)} "${echo(row.title)}": ${actor.agent} (${instanceLabel(instanceOf(actor.instance))}) already has ${held.length} task${one ? '' : 's'} in progress in project ${project}, its limit there: ${shown}`,
    `Finish ${one ? 'it' : 'one'} (complete_task), block it (block_task), release it (release_task) or pause it (pause_task), then start this one. The limit is a project setting: sortie project set ${project} --max-in-progress N (off: no limit).`,
    {
      project,
      limit,
      instance: instanceOf(actor.instance),
      inProgress: held.map((t) => ({ taskId: t.id, key: t.key, title: t.title, missionId: t.mission_id, mission: t.mission_name })),
    },
  );
}

/** Refuses the claim of the locked row when the actor's instance is at its in-progress limit in the row's project. */
async function assertMayStart(deps: ServiceDeps, work: Work, row: TasksTable): Promise<void> {
  const blocker = await startBlocker(deps, work, row);
  if (blocker) throw await taskStartBlocked(work.tx, row, work.actor, blocker);
}

/**
 * Claims the locked row for the actor: the lifecycle's move to in_progress, with a fresh lease and epoch. Every claim
 * path comes here (checkout_task, start_task, claim_next_task, update_task to in_progress), so the in-progress limit
 * is checked here: a start, a resume from blocked or review and a takeover count; renewing one's own live claim does
 * not. A claim clears a pause.
 */
export async function claimRow(deps: ServiceDeps, work: Work, row: TasksTable, options: ClaimOptions): Promise<TasksTable> {
  const actor = work.actor;
  let current = row;
  if (current.status === 'in_progress') {
    if (leaseLive(current, work.now)) {
      if (holdsLiveClaim(current, actor, work.now)) {
        // Re-claiming your own live claim (same agent, same instance) renews it: an idempotent retry after a lost response.
        const patch = { lease_expires_at: new Date(work.nowMs + leaseMs(deps, current, options)).toISOString(), updated_at: work.now };
        await updateTaskRow(work.tx, current.id, patch);
        work.emit(
          'task.heartbeat',
          { project: current.project, missionId: current.mission_id, taskId: current.id },
          { epoch: current.epoch, leaseExpiresAt: patch.lease_expires_at },
        );
        return { ...current, ...patch };
      }
      if (current.claimed_by === actor.agent) {
        if (!options.takeover) throw heldByOtherInstance(current, actor, 'claim');
        // The claim moves to this instance: one more task in progress for it.
        await assertMayStart(deps, work, current);
        return takeOver(deps, work, current, options);
      }
      if (options.takeover) {
        throw forbidden(
          `task ${label(current)} is held by ${current.claimed_by}, not by another session of ${actor.agent}; takeover moves only your own agent's claims`,
          'Pick another ready task (claim_next_task), or ask the holder or the pilot to release it.',
        );
      }
      throw new DomainError(
        'ALREADY_CLAIMED',
        `task ${label(current)} is held by ${current.claimed_by} until ${current.lease_expires_at}`,
        'Pick another ready task (claim_next_task), or wait for the lease to expire.',
        { holder: current.claimed_by, holderInstance: current.claimed_by_instance, leaseExpiresAt: current.lease_expires_at, epoch: current.epoch },
      );
    }
    current = await expireLease(work, current, 'expired before a new claim');
  }
  const mission = await assertMissionExecuting(work.tx, current);
  assertEligible(actor, current, mission);
  if (current.status === 'review' && !mayResumeReview(actor, taskParties(current))) {
    throw new DomainError(
      'INVALID_TRANSITION',
      `task ${label(current)} is in review; only its author (${current.last_holder}) takes it back to in_progress`,
      'A reviewer approves with complete_task or sends it back with update_task status in_progress.',
      { from: 'review', to: 'in_progress', author: current.last_holder },
    );
  }
  // A blocked task keeps its claim: another session of the same agent resumes it only by an explicit takeover.
  const takenFrom = blockedByOtherInstance(current, actor) ? instanceOf(current.claimed_by_instance) : undefined;
  if (takenFrom !== undefined && !options.takeover) throw blockedHeldElsewhere(current, actor, 'resume');
  if (current.status === 'blocked' && current.claimed_by && current.claimed_by !== actor.agent) {
    throw new DomainError(
      'ALREADY_CLAIMED',
      `task ${label(current)} is blocked and held by ${current.claimed_by}`,
      `Ask ${current.claimed_by} to release it, or the pilot to move it back to todo.`,
      { holder: current.claimed_by },
    );
  }
  // Which statuses a claim may start from is the lifecycle's: those that may move to in_progress.
  assertTaskTransition(current.status, 'in_progress');
  if (current.status === 'todo') await assertDependenciesDone(work.tx, current);
  await assertMayStart(deps, work, current);
  const lease = new Date(work.nowMs + leaseMs(deps, current, options)).toISOString();
  const patch = {
    status: 'in_progress',
    claimed_by: actor.agent,
    claimed_by_instance: actor.instance ?? null,
    last_holder: actor.agent,
    lease_expires_at: lease,
    epoch: current.epoch + 1,
    started_at: current.started_at ?? work.now,
    paused_at: null,
    paused_reason: null,
    updated_at: work.now,
  } as const;
  await updateTaskRow(work.tx, current.id, patch);
  work.emit(
    'task.claimed',
    { project: current.project, missionId: current.mission_id, taskId: current.id },
    {
      from: current.status,
      epoch: patch.epoch,
      leaseExpiresAt: lease,
      instance: actor.instance ?? null,
    },
  );
  if (takenFrom !== undefined) emitTakenOver(work, current, { ...current, ...patch });
  return { ...current, ...patch };
}

/**
 * Moves a live claim from another instance of the caller's agent to the caller's instance, with a new epoch and a
 * fresh lease: from here on the old instance's writes are LEASE_LOST (its epoch and instance are both stale).
 */
async function takeOver(deps: ServiceDeps, work: Work, row: TasksTable, options: ClaimOptions): Promise<TasksTable> {
  const patch = {
    claimed_by_instance: work.actor.instance ?? null,
    lease_expires_at: new Date(work.nowMs + leaseMs(deps, row, options)).toISOString(),
    epoch: row.epoch + 1,
    updated_at: work.now,
  } as const;
  await updateTaskRow(work.tx, row.id, patch);
  emitTakenOver(work, row, { ...row, ...patch });
  return { ...row, ...patch };
}

/** The takeover event: which instance and epoch the claim left, which it went to. */
function emitTakenOver(work: Work, before: TasksTable, after: TasksTable): void {
  work.emit(
    'task.taken_over',
    { project: before.project, missionId: before.mission_id, taskId: before.id },
    {
      fromInstance: instanceOf(before.claimed_by_instance),
      toInstance: instanceOf(after.claimed_by_instance),
      fromEpoch: before.epoch,
      toEpoch: after.epoch,
      leaseExpiresAt: after.lease_expires_at,
    },
  );
  tellClaimLost(work, before, before.claimed_by, 'claim.taken_over');
}

/** checkout_task / start_task: claim one named task atomically. Of N concurrent claimants exactly one wins. */
export async function checkoutTask(deps: ServiceDeps, actor: Actor, raw: CheckoutTaskInput): Promise<Task> {
  authorize(actor, 'task.work');
  const input = parseInput(CheckoutTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const row = await lockTask(deps.database, work.tx, actor, input);
    return taskView(work.tx, await claimRow(deps, work, row, input));
  });
}

/**
 * Picks and claims the best ready task for the caller in one transaction, or returns null when nothing is
 * ready. Expired leases are swept first, in a transaction of their own, so their tasks are candidates again; a plain
 * read finds that there are none for almost every claim, and the claim's transaction does not carry the sweep.
 *
 * The claim is one statement (Database.claimNext): the pick's checks — ready, eligible, mission in execute, and the
 * in-progress limit of the caller's instance in the task's project — are the claim's, so nothing is read twice. When
 * nothing is claimable but a task it could claim is ready in a project where it is at its limit, the answer is
 * TASK_START_BLOCKED naming its task in progress there (it has work waiting, and the way to reach it), not "nothing
 * ready". Concurrent calls of one instance are serialized by lockClaimsOf, so the second counts the first's claim.
 */
export async function claimNextTask(deps: ServiceDeps, actor: Actor, raw: ClaimNextTaskInput): Promise<Task | null> {
  authorize(actor, 'task.work');
  const filter = parseInput(ClaimNextTaskInput, raw);
  if (filter.project) assertProjectVisible(actor, filter.project);
  const missionId = filter.missionId ? (await readMission(deps.database.kysely, actor, filter.missionId)).id : undefined;
  // Only the caller's projects: its sweep must not touch (or emit events in) projects it cannot see.
  await sweepExpiredLeases(deps, 100, actor.projects);
  return inWrite(deps, actor, async (work) => {
    const holder = { agent: actor.agent, instance: instanceOf(actor.instance) };
    await deps.database.lockClaimsOf(work.tx, holder);
    const ready = { agent: actor.agent, missionId, project: filter.project, projects: actor.projects };
    const lease = iso(work.nowMs + (filter.leaseMinutes ? filter.leaseMinutes * 60_000 : deps.config.leaseMs));
    const claimed = await deps.database.claimNext(work.tx, { ...ready, instance: holder.instance, now: work.now, lease, fixedLease: !!filter.leaseMinutes });
    // The answer reads the task's dependencies and evidence only if the claim found some.
    if (claimed) return taskView(work.tx, await claimedNext(deps, work, claimed.row), claimed.hasEvidence ? undefined : [], claimed.hasDeps ? undefined : []);
    const full = await projectsAtLimit(work);
    const atLimit = [...full.keys()].filter((p) => actor.projects === undefined || actor.projects.includes(p));
    if (atLimit.length === 0) return null;
    const waiting = await pickReadyTask(work.tx, { ...ready, projects: atLimit });
    if (!waiting) return null;
    throw await taskStartBlocked(work.tx, waiting, actor, full.get(waiting.project) as StartBlocker);
  });
}

/**
 * The rest of a claim the statement made: a task with a lease of its own gets it (the statement left it null), and
 * the claim's event. `row` is the claimed row as the statement returned it; it was todo.
 */
async function claimedNext(deps: ServiceDeps, work: Work, row: TasksTable): Promise<TasksTable> {
  let claimed = row;
  if (claimed.lease_expires_at === null) {
    const lease_expires_at = iso(work.nowMs + (claimed.lease_ms ?? deps.config.leaseMs));
    await updateTaskRow(work.tx, claimed.id, { lease_expires_at });
    claimed = { ...claimed, lease_expires_at };
  }
  work.emit(
    'task.claimed',
    { project: claimed.project, missionId: claimed.mission_id, taskId: claimed.id },
    { from: 'todo', epoch: claimed.epoch, leaseExpiresAt: claimed.lease_expires_at, instance: claimed.claimed_by_instance },
  );
  return claimed;
}

/**
 * Checks that the actor — agent and instance — holds a live lease on the locked row (and the epoch, when given).
 * Throws LEASE_LOST for a holder whose lease expired, was re-claimed or was taken over by another instance;
 * ALREADY_CLAIMED for another instance of the holder's agent that never held it; FORBIDDEN for anyone else.
 */
export async function assertHolder(work: Work, row: TasksTable, epoch: number | undefined, action: string): Promise<void> {
  const agent = work.actor.agent;
  if (holdsLiveClaim(row, work.actor, work.now)) {
    if (epoch !== undefined && epoch !== row.epoch) {
      throw new DomainError(
        'LEASE_LOST',
        `your claim on task ${label(row)} is epoch ${epoch}; the current claim is epoch ${row.epoch}`,
        'Your lease was lost and the task re-claimed; get_task shows its state. Do not apply your work blindly.',
        { epoch: row.epoch, yourEpoch: epoch },
      );
    }
    return;
  }
  if (leaseLive(row, work.now) && row.claimed_by === agent) {
    // Another instance of this agent holds the live claim. One that held it before (taken over since) is LEASE_LOST;
    // one that never did is refused like any other claimant, naming the holder instance.
    const mine = instanceOf(work.actor.instance);
    if ((epoch !== undefined && epoch < row.epoch) || (await instanceHeld(work.tx, row.id, agent, mine))) {
      throw new DomainError(
        'LEASE_LOST',
        `cannot ${action} task ${label(row)}: it was taken over by ${instanceLabel(instanceOf(row.claimed_by_instance))} of ${agent} (epoch ${row.epoch})`,
        'Another session of your agent holds it now; your earlier writes were not applied. Leave the task to it, or take it back with checkout_task {takeover: true} only if that session is gone.',
        { holder: row.claimed_by, holderInstance: instanceOf(row.claimed_by_instance), epoch: row.epoch, status: row.status, yourInstance: mine },
      );
    }
    throw heldByOtherInstance(row, work.actor, action);
  }
  // The fence. The latest claimant is on the row (claimed_by, last_holder); an earlier one, whose task has been
  // re-claimed since, is found in the claim events — so its late write is LEASE_LOST whatever happened to the
  // task after, never mistaken for a stranger's (FORBIDDEN). Only refusals pay for that lookup.
  const latest = row.claimed_by === agent || row.last_holder === agent;
  const earlier = !latest && ((epoch !== undefined && epoch < row.epoch) || (await hasClaimed(work.tx, row.id, agent)));
  if ((latest && (row.status === 'in_progress' || row.status === 'todo')) || earlier) {
    const detail = earlier
      ? `it was re-claimed by ${row.claimed_by ?? row.last_holder} (epoch ${row.epoch})${row.status === 'in_progress' ? '' : ` and is now ${row.status}`}`
      : row.status === 'in_progress'
        ? `your lease expired at ${row.lease_expires_at}`
        : 'your lease expired or was released and the task is back in todo';
    throw new DomainError(
      'LEASE_LOST',
      `cannot ${action} task ${label(row)}: ${detail}`,
      'Claim it again (checkout_task) if it is still todo, then redo the step; your earlier writes were not applied.',
      { holder: row.claimed_by, epoch: row.epoch, status: row.status },
    );
  }
  if (row.status === 'in_progress') {
    throw forbidden(`task ${label(row)} is held by ${row.claimed_by}, not ${agent}`, 'Only the holder of the claim may do this.');
  }
  throw new DomainError(
    'INVALID_TRANSITION',
    `cannot ${action} task ${label(row)}: it is ${row.status}, not in_progress`,
    row.status === 'todo' ? 'Claim it first (checkout_task or start_task).' : `From ${row.status} this is not allowed.`,
    { from: row.status },
  );
}

export async function heartbeatTask(deps: ServiceDeps, actor: Actor, raw: HeartbeatTaskInput): Promise<Task> {
  authorize(actor, 'task.work');
  const input = parseInput(HeartbeatTaskInput, raw);
  return inWrite(deps, actor, async (work) => {
    const row = await lockTask(deps.database, work.tx, actor, input);
    await assertHolder(work, row, input.epoch, 'heartbeat');
    const patch = { lease_expires_at: new Date(work.nowMs + leaseMs(deps, row, input)).toISOString(), updated_at: work.now };
    await updateTaskRow(work.tx, row.id, patch);
    work.emit(
      'task.heartbeat',
      { project: row.project, missionId: row.mission_id, taskId: row.id },
      { epoch: row.epoch, leaseExpiresAt: patch.lease_expires_at },
    );
    return taskView(work.tx, { ...row, ...patch });
  });
}

/** release_task: the holder hands the claim back; the task returns to todo. */
export async function releaseTask(deps: ServiceDeps, actor: Actor, raw: ReleaseTaskInput): Promise<Task> {
  authorize(actor, 'task.work');
  const input = parseInput(ReleaseTaskInput, raw);
  return inWrite(deps, actor, async (work) => releaseLocked(work, await lockTask(deps.database, work.tx, actor, input), input.reason, input.epoch));
}

/** The holder hands back the locked row. */
export async function releaseLocked(work: Work, row: TasksTable, reason?: string, epoch?: number): Promise<Task> {
  await assertHolder(work, row, epoch, 'release');
  const patch = { status: 'todo', ...CLAIM_CLEARED, updated_at: work.now } as const;
  await updateTaskRow(work.tx, row.id, patch);
  work.emit('task.released', { project: row.project, missionId: row.mission_id, taskId: row.id }, { epoch: row.epoch, reason: reason ?? null });
  return taskView(work.tx, { ...row, ...patch });
}

async function sweepIn(deps: ServiceDeps, work: Work, limit: number, projects?: readonly string[]): Promise<number> {
  const rows = await expiredLeases(deps.database, work.tx, work.now, limit, projects);
  for (const row of rows) await expireLease(work, row, 'lease expired');
  return rows.length;
}

/**
 * The periodic sweep every server runs (and claim_next_task, within the caller's projects, before its claim): returns
 * expired claims to todo, each with an event. A plain read comes first so that idle servers (most sweeps find
 * nothing) never take the write lock.
 */
export async function sweepExpiredLeases(deps: ServiceDeps, limit = 500, projects?: readonly string[]): Promise<number> {
  const now = iso(deps.clock.now());
  if (!(await anyExpiredLease(deps.database.kysely, now, projects))) return 0;
  return inWrite(deps, { agent: 'sortie' }, (work) => sweepIn(deps, work, limit, projects));
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { checkoutTask, claimNextTask, heartbeatTask, releaseTask };
