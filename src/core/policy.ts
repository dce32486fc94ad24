// Who may do what to a mission or a task by ownership — pilot, creator, holder, assignee, reviewer, author — as pure
// predicates every use case and the mission page call. The role table is permissions.ts: it runs first and caps
// what a role may do at all; these rules run after it and only narrow. An admin stands in for every mission's pilot.
import type { MissionStatus } from './enums.js';
import { forbidden } from './errors.js';
import type { Actor } from './model.js';

/** The people a mission belongs to. */
export interface MissionParties {
  pilot: string;
  createdBy: string;
}

/** The people a task belongs to: who created it, who it is for, who holds its claim and who held it last (its author). */
export interface TaskParties {
  createdBy: string;
  assignedTo: string | null;
  claimedBy: string | null;
  lastHolder: string | null;
}

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'admin';
}

/** The mission's pilot or creator (or an admin): edits it, moves it, manages its tasks. */
export function isMissionManager(actor: Actor, mission: MissionParties): boolean {
  return isAdmin(actor) || actor.agent === mission.pilot || actor.agent === mission.createdBy;
}

/** A manager or one of the mission's agents: adds tasks and evidence to it. */
export function isMissionMember(actor: Actor, mission: MissionParties, agents: readonly string[]): boolean {
  return isMissionManager(actor, mission) || agents.includes(actor.agent);
}

/** Who may claim a mission's unassigned task: its pilot, one of its agents, or an admin (not its creator as such). */
export function mayClaimUnassigned(actor: Actor, mission: MissionParties, agents: readonly string[]): boolean {
  return isAdmin(actor) || actor.agent === mission.pilot || agents.includes(actor.agent);
}

/** Only the pilot (or an admin) reports a mission's progress. */
export function mayReportProgress(actor: Actor, mission: MissionParties): boolean {
  return isAdmin(actor) || actor.agent === mission.pilot;
}

/**
 * Why the actor may not move a mission from → to, or null when it may: the pilot or the creator moves and cancels
 * it; reopening a complete mission is the pilot's alone. With `to` unknown, the answer is for any move from `from`.
 */
export function missionMoveRefusal(actor: Actor, mission: MissionParties, from: MissionStatus, to?: MissionStatus) {
  if (isAdmin(actor)) return null;
  const owner = actor.agent === mission.pilot || actor.agent === mission.createdBy;
  if (to === 'cancelled' && !owner) {
    return forbidden(`only the pilot (${mission.pilot}) or the creator (${mission.createdBy}) may cancel this mission`, 'Ask the pilot to cancel it.');
  }
  if (from === 'complete' && actor.agent !== mission.pilot) {
    return forbidden(`only the pilot (${mission.pilot}) may reopen a complete mission`, 'Ask the pilot to reopen it.');
  }
  if (!owner) {
    return forbidden(`only the pilot (${mission.pilot}) or the creator (${mission.createdBy}) may move this mission`, 'Ask the pilot to advance the mission.');
  }
  return null;
}

export function mayMoveMission(actor: Actor, mission: MissionParties, from: MissionStatus, to?: MissionStatus): boolean {
  return missionMoveRefusal(actor, mission, from, to) === null;
}

/** Throws FORBIDDEN naming who may make the move; see missionMoveRefusal. */
export function assertMayMoveMission(actor: Actor, mission: MissionParties, from: MissionStatus, to: MissionStatus): void {
  const refusal = missionMoveRefusal(actor, mission, from, to);
  if (refusal) throw refusal;
}

/**
 * The task's creator, or its mission's manager (an admin for a task outside any mission): sets the task's terms
 * (assignee, priority, required evidence, lease), cancels it and reviews it.
 */
export function isTaskManager(actor: Actor, task: TaskParties, mission: MissionParties | null): boolean {
  return task.createdBy === actor.agent || (mission ? isMissionManager(actor, mission) : isAdmin(actor));
}

/** A reviewer approves a task in review or sends it back to its author. */
export function mayReview(actor: Actor, task: TaskParties, mission: MissionParties | null): boolean {
  return isTaskManager(actor, task, mission);
}

/** The author of work in review may not approve it themselves (an admin may). */
export function isOwnReview(actor: Actor, task: TaskParties): boolean {
  return task.lastHolder === actor.agent && !isAdmin(actor);
}

/** Who takes a task in review back to in_progress by claiming it: its author only (any claimant when it has none). */
export function mayResumeReview(actor: Actor, task: TaskParties): boolean {
  return !task.lastHolder || task.lastHolder === actor.agent;
}

export function mayCancelTask(actor: Actor, task: TaskParties, mission: MissionParties | null): boolean {
  return isTaskManager(actor, task, mission);
}

/** Edits a task's fields and dependencies: a manager, its assignee or its holder. */
export function mayEditTask(actor: Actor, task: TaskParties, mission: MissionParties | null): boolean {
  return isTaskManager(actor, task, mission) || task.claimedBy === actor.agent || task.assignedTo === actor.agent;
}

/** The agent holding the task's claim, or the last one that did. */
export function worksTask(actor: Actor, task: TaskParties): boolean {
  return task.claimedBy === actor.agent || task.lastHolder === actor.agent;
}

/** Moves a blocked task back to todo: whoever works it, or a manager. */
export function mayUnblock(actor: Actor, task: TaskParties, mission: MissionParties | null): boolean {
  return worksTask(actor, task) || isTaskManager(actor, task, mission);
}

/** Returns a closed task to todo: a manager, its assignee or its last holder. */
export function mayReopen(actor: Actor, task: TaskParties, mission: MissionParties | null): boolean {
  return isTaskManager(actor, task, mission) || task.assignedTo === actor.agent || task.lastHolder === actor.agent;
}

/** Only the creator deletes a task (and only one without history; that is the use case's rule). */
export function mayDeleteTask(actor: Actor, task: TaskParties): boolean {
  return task.createdBy === actor.agent;
}

/** Changes a recurring definition: its creator or an admin. */
export function mayChangeRecurring(actor: Actor, definition: { createdBy: string }): boolean {
  return isAdmin(actor) || actor.agent === definition.createdBy;
}
