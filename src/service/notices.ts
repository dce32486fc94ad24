// What the inbox says: who a change concerns and the one line it reads. Use cases call these right after emitting
// the event that causes the message (Work.tell attaches it to that event, in the same transaction).
import { echo } from '../core/errors.js';
import type { MissionsTable, TasksTable } from '../db/schema.js';
import type { Work } from './context.js';

type TaskNamed = Pick<TasksTable, 'key' | 'id' | 'title'>;

/** `T3 "Write the docs"`: how a message names a task (its key within a mission, else its id). */
export function named(row: TaskNamed): string {
  return `${row.key ?? row.id} "${echo(row.title, 80)}"`;
}

/** Who a task's news is for: its assignee, else whoever holds or last held it. */
export function concernedWith(row: Pick<TasksTable, 'assigned_to' | 'claimed_by' | 'last_holder'>): string | null {
  return row.assigned_to ?? row.claimed_by ?? row.last_holder;
}

function about(row: Pick<TasksTable, 'project' | 'mission_id' | 'id'>) {
  return { project: row.project, missionId: row.mission_id, taskId: row.id };
}

/** The pilot and agents of a mission, each once. */
export function missionParties(mission: Pick<MissionsTable, 'pilot' | 'agents'>): string[] {
  const agents = JSON.parse(mission.agents) as string[];
  return [...new Set([mission.pilot, ...agents])];
}

/** A task was given to an agent (created for it, or reassigned). */
export function tellAssigned(work: Work, row: TasksTable): void {
  if (!row.assigned_to) return;
  work.tell({ to: row.assigned_to, kind: 'task.assigned', text: `${work.actor.agent} assigned you task ${named(row)}` });
}

/** A task that waited on `blocker` went back to todo because the blocker is done. */
export function tellUnblocked(work: Work, waiter: TasksTable, blocker: TaskNamed): void {
  const to = concernedWith(waiter);
  if (!to) return;
  work.tell({
    to,
    kind: 'task.unblocked',
    text: `task ${named(waiter)} is unblocked and back in todo: ${named(blocker)}, which it waited on, is done`,
    details: { blockerTaskId: blocker.id },
  });
}

/** A task's blocker failed or was cancelled: the task stays blocked, and whoever waits decides what next. */
export function tellBlockerClosed(work: Work, waiter: TasksTable, blocker: TaskNamed, outcome: 'failed' | 'cancelled'): void {
  const to = concernedWith(waiter);
  if (!to) return;
  work.tell({
    to,
    kind: outcome === 'failed' ? 'blocker.failed' : 'blocker.cancelled',
    text: `task ${named(waiter)} stays blocked: ${named(blocker)}, which it waits on, was ${outcome}. Block it on something else, or have it unblocked or cancelled.`,
    details: { blockerTaskId: blocker.id },
    about: about(waiter),
  });
}

/** A task went to review: its reviewer (the mission's pilot, else the task's creator) is waited on. */
export function tellReviewWaiting(work: Work, row: TasksTable, mission: MissionsTable | null): void {
  const reviewer = mission?.pilot ?? row.created_by;
  work.tell({ to: reviewer, kind: 'review.waiting', text: `task ${named(row)} by ${work.actor.agent} waits for your review` });
}

/** The pilot hears about trouble in its mission. */
export function tellPilot(work: Work, mission: MissionsTable | null, kind: 'task.failed' | 'task.blocked_on_human', row: TasksTable, detail: string): void {
  if (!mission) return;
  const what = kind === 'task.failed' ? 'failed' : 'is blocked on a human';
  work.tell({ to: mission.pilot, kind, text: `task ${named(row)} of mission ${echo(mission.name, 80)} ${what}: ${echo(detail, 300)}` });
}

/** A task's claim ended without its holder: the lease ran out, or another session of the agent took it over. */
export function tellClaimLost(work: Work, row: TasksTable, holder: string | null, how: 'lease.expired' | 'claim.taken_over'): void {
  if (!holder) return;
  work.tell({
    to: holder,
    kind: how,
    text:
      how === 'lease.expired'
        ? `your lease on task ${named(row)} ran out and the task went back to todo; claim it again to go on`
        : `task ${named(row)} was taken over by another session of ${holder}; an older session's writes are refused (LEASE_LOST)`,
    evenToSelf: how === 'claim.taken_over',
  });
}

/** A mission moved stage (or was cancelled): everyone on it hears, and the pilot hears when it reaches validate. */
export function tellMissionMoved(work: Work, mission: MissionsTable, from: string, to: string, reason: string | null): void {
  const why = reason ? `: ${echo(reason, 300)}` : '';
  for (const agent of missionParties(mission)) {
    if (to === 'validate' && agent === mission.pilot) {
      work.tell({
        to: agent,
        kind: 'mission.validate',
        text: `mission ${echo(mission.name, 80)} reached validate${why}; check its deliverables and complete it`,
      });
      continue;
    }
    work.tell({
      to: agent,
      kind: to === 'cancelled' ? 'mission.cancelled' : 'mission.stage',
      text: `mission ${echo(mission.name, 80)} moved from ${from} to ${to}${why}`,
      details: { from, to },
    });
  }
}
