// moveTask: a task to a target status, the transition picked inside the locked transaction from the current row —
// claim, send back from review, submit, complete, block, fail, cancel, release, unblock or reopen.
import { z } from 'zod';
import { TaskStatus } from '../core/enums.js';
import { validationFailed } from '../core/errors.js';
import type { Actor, Task } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { mayReview } from '../core/policy.js';
import { assertTaskTransition } from '../core/task-lifecycle.js';
import { lockTaskAndMission, missionParties, taskParties } from './access.js';
import { claimRow, releaseLocked } from './claims.js';
import {
  BlockInput,
  blockLocked,
  CompleteInput,
  cancelLocked,
  closeLocked,
  failLocked,
  prepareCompletion,
  reopenLocked,
  returnFromReviewLocked,
  unblockLocked,
} from './completion.js';
import { inWrite, type ServiceDeps } from './context.js';
import { assertTextLength, Epoch, MAX_NOTE, MAX_REASON, Note, parseInput, Reason } from './inputs.js';
import { taskView } from './views.js';

/** What a status move may carry besides its target; which move takes which is MOVE_ARGUMENTS. */
export const MoveArguments = z.object({
  completionNote: CompleteInput.shape.completionNote.optional().describe('review/done: what was done, with evidence'),
  evidence: CompleteInput.shape.evidence.describe('review/done: evidence items'),
  allowNoEvidence: CompleteInput.shape.allowNoEvidence.describe('review/done: why no evidence exists'),
  failureNote: Note.optional().describe('failed: what went wrong'),
  blockedReason: Reason.optional().describe('blocked: what it waits for'),
  cancelReason: Reason.optional().describe('cancelled: why'),
  reason: Reason.optional().describe('reopen/release/send back: why'),
  epoch: Epoch,
});
export type MoveArguments = z.input<typeof MoveArguments>;

export const MoveTaskInput = MoveArguments.extend({
  taskId: z.string().describe('Id, or T-key with missionId'),
  missionId: z.string().nullable().optional(),
  status: TaskStatus.describe('Move to this status'),
});
export type MoveTaskInput = z.input<typeof MoveTaskInput>;

/**
 * Which status-move arguments each target takes. An argument the requested change does not use is refused,
 * never dropped: a cancelReason sent with a priority edit would otherwise vanish while the call reports success.
 */
const MOVE_ARGUMENTS: Readonly<Record<TaskStatus, readonly (keyof MoveArguments)[]>> = {
  todo: ['reason', 'epoch'],
  in_progress: ['reason'],
  review: ['completionNote', 'evidence', 'allowNoEvidence', 'epoch'],
  done: ['completionNote', 'evidence', 'allowNoEvidence', 'epoch'],
  blocked: ['blockedReason', 'reason', 'epoch'],
  failed: ['failureNote', 'reason', 'epoch'],
  cancelled: ['cancelReason', 'reason'],
};

/** Where each status-move argument belongs, for the refusal's hint. */
const ARGUMENT_USE: Readonly<Record<keyof MoveArguments, string>> = {
  completionNote: 'status review or done',
  evidence: 'status review or done',
  allowNoEvidence: 'status review or done',
  failureNote: 'status failed',
  blockedReason: 'status blocked',
  cancelReason: 'status cancelled',
  reason: 'status todo (reopen, release, unblock), in_progress (back from review), blocked, failed or cancelled',
  epoch: 'status todo (release), review, done, blocked or failed',
};

function notForThisMove(field: string, belongsTo: string, change: string) {
  return validationFailed(field, `does not apply to ${change}; it belongs to ${belongsTo}`, `Drop "${field}", or send it with the change it belongs to.`);
}

/**
 * Refuses status-move arguments the requested change would not use (with no status: field edits, which take none),
 * and two arguments for one value.
 */
export function assertMoveArguments(status: TaskStatus | undefined, args: MoveArguments): void {
  const given = (Object.keys(ARGUMENT_USE) as (keyof MoveArguments)[]).filter((k) => args[k] !== undefined);
  const allowed: readonly (keyof MoveArguments)[] = status === undefined ? [] : MOVE_ARGUMENTS[status];
  for (const field of given) {
    if (!allowed.includes(field)) throw notForThisMove(field, ARGUMENT_USE[field], status === undefined ? 'field edits (no status given)' : `status ${status}`);
  }
  for (const alias of ['blockedReason', 'failureNote', 'cancelReason'] as const) {
    if (args[alias] !== undefined && args.reason !== undefined) {
      throw validationFailed('reason', `${alias} and reason are the same value here; pass one`, `Send only ${alias}.`);
    }
  }
}

/**
 * Moves a task to `status`. Where the target alone fixes the move (review, done, blocked, failed, cancelled) this is
 * the dedicated use case, with its refusals in its order. For in_progress and todo the move depends on the task's
 * current status and on who asks, so it is chosen on the locked row: a concurrent change cannot make the call run
 * (or be refused as) a move the task is no longer in a state for. Every move takes at least the task.work grant.
 */
export async function moveTask(deps: ServiceDeps, actor: Actor, raw: MoveTaskInput): Promise<Task> {
  const input = parseInput(MoveTaskInput, raw);
  assertMoveArguments(input.status, input);
  const { status, reason, epoch } = input;
  const ref = { taskId: input.taskId, missionId: input.missionId };
  authorize(actor, status === 'cancelled' ? 'task.manage' : 'task.work');
  // A completion's evidence is checked before the transaction, as complete_task does: verifying it may run git.
  const completion =
    status === 'review' || status === 'done'
      ? await prepareCompletion(deps, actor, {
          ...ref,
          completionNote: input.completionNote ?? '',
          evidence: input.evidence,
          allowNoEvidence: input.allowNoEvidence,
          epoch,
        })
      : null;
  const block = status === 'blocked' ? parseInput(BlockInput, { ...ref, reason: input.blockedReason ?? reason, epoch }) : null;
  const failureNote = input.failureNote ?? reason ?? '';
  const cancelReason = input.cancelReason ?? reason ?? '';
  if (status === 'failed') assertTextLength('failureNote', failureNote, MAX_NOTE);
  if (status === 'cancelled') assertTextLength('cancelReason', cancelReason, MAX_REASON);
  return inWrite(deps, actor, async (work) => {
    // Mission, then task, for every move (the order every closer locks in), whichever move the row then calls for.
    const { row, mission } = await lockTaskAndMission(deps.database, work.tx, actor, completion ? { taskId: completion.taskId } : ref);
    switch (status) {
      case 'in_progress':
        // From review, a reviewer sends the task back to its author; the author itself re-claims it.
        if (row.status === 'review' && mayReview(actor, taskParties(row), mission && missionParties(mission))) {
          authorize(actor, 'task.manage');
          return returnFromReviewLocked(deps, work, row, mission, reason);
        }
        // A move the lifecycle refuses is named as such before any argument is weighed (a done task claims nothing).
        if (row.status !== 'in_progress') assertTaskTransition(row.status, 'in_progress');
        if (reason !== undefined) throw notForThisMove('reason', 'sending a task back from review (by its reviewer)', `claiming task ${row.key ?? row.id}`);
        return taskView(work.tx, await claimRow(deps, work, row, {}));
      case 'review':
      case 'done':
        return closeLocked(deps, work, row, mission, completion as NonNullable<typeof completion>, status);
      case 'blocked':
        return blockLocked(work, row, block as NonNullable<typeof block>, mission);
      case 'failed':
        return failLocked(deps, work, row, mission, failureNote, epoch);
      case 'cancelled':
        return cancelLocked(deps, work, row, mission, cancelReason);
      case 'todo':
        if (row.status === 'in_progress') return releaseLocked(work, row, reason, epoch);
        if (epoch !== undefined) throw notForThisMove('epoch', 'releasing a claim (in_progress → todo)', `moving a ${row.status} task to todo`);
        if (row.status === 'blocked') return unblockLocked(work, row, mission, reason);
        authorize(actor, 'task.manage');
        assertTextLength('reason', reason, MAX_REASON);
        return reopenLocked(work, row, mission, reason ?? '');
    }
  });
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { moveTask };
