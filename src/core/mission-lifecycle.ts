// The mission lifecycle: which stage may follow which, and the gates on execute and complete (who may move it: policy.ts).
import type { MissionStatus } from './enums.js';
import { DomainError } from './errors.js';
import type { Actor } from './model.js';
import { assertMayMoveMission } from './policy.js';

/** Allowed moves from each stage. `complete → execute` is the pilot's reopen; `validate → execute` is rework. */
const MOVES: Record<MissionStatus, readonly MissionStatus[]> = {
  brainstorm: ['plan', 'cancelled'],
  plan: ['execute', 'cancelled'],
  execute: ['validate', 'cancelled'],
  validate: ['complete', 'execute', 'cancelled'],
  complete: ['execute'],
  cancelled: [],
};

export function allowedMissionMoves(from: MissionStatus): readonly MissionStatus[] {
  return MOVES[from];
}

/** Cancelling, sending a validating mission back to execute, and reopening a complete one need a stated reason. */
export function moveNeedsReason(from: MissionStatus, to: MissionStatus): boolean {
  return to === 'cancelled' || (from === 'validate' && to === 'execute') || from === 'complete';
}

export interface MissionTransitionContext {
  from: MissionStatus;
  to: MissionStatus;
  /** Who moves it; an agent name is an actor without a role. */
  actor: Actor | string;
  pilot: string;
  createdBy: string;
  reason?: string | null;
  taskCount: number;
  /** Tasks that are neither done nor cancelled, as `T3 (failed)` labels. */
  unclosedTasks: string[];
  /** What the evidence gate reports missing; empty when it passes. */
  evidenceProblems: string[];
}

/** Throws the refusal for a mission move, or returns when the move is allowed: permission, then the move, then its reason and gates. */
export function assertMissionTransition(ctx: MissionTransitionContext): void {
  const { from, to } = ctx;
  // Who may move comes first: a caller who may not move the mission learns that, not what else the move lacks.
  assertMayMoveMission(typeof ctx.actor === 'string' ? { agent: ctx.actor } : ctx.actor, { pilot: ctx.pilot, createdBy: ctx.createdBy }, from, to);
  if (!MOVES[from].includes(to)) {
    const allowed = MOVES[from];
    throw new DomainError(
      'INVALID_TRANSITION',
      `mission cannot move from ${from} to ${to}`,
      allowed.length
        ? `From ${from} the allowed moves are: ${allowed.join(', ')}. Missions advance one stage at a time.`
        : `${from} is terminal; nothing follows it.`,
      { from, to, allowed },
    );
  }
  if (moveNeedsReason(from, to) && !ctx.reason?.trim()) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `reason: moving a mission from ${from} to ${to} needs a reason`,
      'Pass a short reason (cancelReason or reason) saying why.',
      { field: 'reason' },
    );
  }
  if (to === 'execute' && ctx.taskCount === 0) {
    throw new DomainError(
      'INVALID_TRANSITION',
      'mission cannot enter execute without tasks',
      'Create at least one task in the mission (create_task with missionId, or instantiate a template) first.',
      { from, to, gate: 'has_tasks' },
    );
  }
  if (to === 'complete') {
    if (ctx.unclosedTasks.length > 0) {
      throw new DomainError(
        'INVALID_TRANSITION',
        `mission cannot complete: ${ctx.unclosedTasks.length} task(s) not closed: ${ctx.unclosedTasks.join(', ')}`,
        'Every task must be done or cancelled. Finish, cancel, or reopen-and-finish the tasks listed.',
        { from, to, gate: 'tasks_closed', unclosedTasks: ctx.unclosedTasks },
      );
    }
    if (ctx.evidenceProblems.length > 0) {
      throw new DomainError(
        'EVIDENCE_REQUIRED',
        `mission cannot complete: ${ctx.evidenceProblems.join('; ')}`,
        `Attach evidence with add_mission_evidence (a commit SHA, PR, test ratio or file path), then retry.${
          ctx.evidenceProblems.some((p) => p.includes('@ci:')) ? ' An @ci item counts once GitHub reports it merged with green checks on its head.' : ''
        }`,
        { missing: ctx.evidenceProblems },
      );
    }
  }
}
