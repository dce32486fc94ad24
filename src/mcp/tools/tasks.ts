// Task tools: create, read, list, edit (including VantagePeers-style status moves), dependencies, delete.
import { z } from 'zod';
import { TaskStatus } from '../../core/enums.js';
import { validationFailed } from '../../core/errors.js';
import { Name } from '../../core/identity.js';
import type { Actor, Task } from '../../core/model.js';
import { CompleteInput } from '../../service/completion.js';
import { MAX_DEPENDS_ON, Note, OneOrMany, Reason } from '../../service/inputs.js';
import type { Sortie } from '../../service/sortie.js';
import { CreateTaskInput, ListTasksInput, UpdateTaskFields } from '../../service/tasks.js';
import { pageFields, taskLite } from '../../service/views.js';
import { ALL, MANAGERS } from '../profiles.js';
import { TaskOut, TaskPageOut } from '../schemas.js';
import { DESTRUCTIVE, defineTool, IdentityShape, READ, WRITE, WRITE_IDEMPOTENT } from '../tool.js';

export const taskRef = {
  taskId: z.string().describe('Task id, or its mission-local key (T0, T1, …) together with missionId'),
  missionId: z.string().optional().describe('Mission id; required when taskId is a T-key'),
};
const dependsOn = OneOrMany.describe(`Task id(s), or T-keys of the same mission (at most ${MAX_DEPENDS_ON})`);

export const createTask = defineTool({
  name: 'create_task',
  title: 'Create task',
  description:
    'Create a task, optionally in a mission (it gets the next key T0, T1, …) with dependsOn. Unassigned mission tasks are claimable by any agent of the mission.',
  input: { ...CreateTaskInput.shape, createdBy: Name.optional().describe('Optional; must match your identity'), ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: ({ createdBy, callerOrchestrator, ...input }, { sortie, actor }) => sortie.createTask(actor({ createdBy, callerOrchestrator }), input),
});

export const getTask = defineTool({
  name: 'get_task',
  title: 'Get task',
  description: 'A task with its dependencies, claim (holder, lease expiry, epoch), evidence and notes.',
  input: taskRef,
  output: TaskOut,
  annotations: READ,
  profiles: ALL,
  handler: (args, { sortie, reader }) => sortie.getTask(reader(), args),
});

export const listTasks = defineTool({
  name: 'list_tasks',
  title: 'List tasks',
  description: 'Tasks filtered by assignedTo, status, missionId, project; ready: true gives the ready queue, most urgent first. Paged by cursor.',
  input: ListTasksInput.shape,
  output: TaskPageOut,
  annotations: READ,
  profiles: ALL,
  async handler(args, { sortie, reader }) {
    const page = await sortie.listTasks(reader(), args);
    return pageFields(page, args.fields, taskLite);
  },
});

export const updateTask = defineTool({
  name: 'update_task',
  title: 'Update task',
  description:
    "Edit a task's fields, or move its status (one or the other per call). Status moves follow the lifecycle: review/done need completionNote with evidence; cancelled needs cancelReason; todo from a closed state reopens (reason).",
  input: {
    ...taskRef,
    ...UpdateTaskFields.shape,
    status: TaskStatus.optional().describe('Move to this status (see lifecycle)'),
    completionNote: CompleteInput.shape.completionNote.optional().describe('For review/done: what was done, citing evidence'),
    evidence: CompleteInput.shape.evidence.describe('For review/done: explicit evidence items'),
    allowNoEvidence: CompleteInput.shape.allowNoEvidence.describe('For review/done when no evidence can exist: the reason'),
    failureNote: Note.optional().describe('For failed: what went wrong'),
    blockedReason: Reason.optional().describe('For blocked: what it waits for'),
    cancelReason: Reason.optional().describe('For cancelled: why'),
    reason: Reason.optional().describe('For reopen, release or sending back from review: why'),
    epoch: z.number().int().min(0).optional().describe('Claim epoch; a stale one is refused with LEASE_LOST'),
    ...IdentityShape,
  },
  output: TaskOut,
  annotations: WRITE,
  profiles: ALL,
  async handler(args, { sortie, actor }) {
    const {
      taskId,
      missionId,
      status,
      completionNote,
      evidence,
      allowNoEvidence,
      failureNote,
      blockedReason,
      cancelReason,
      reason,
      epoch,
      callerOrchestrator,
      ...fields
    } = args;
    const who = actor({ callerOrchestrator });
    const ref = { taskId, missionId };
    const hasFields = Object.values(fields).some((v) => v !== undefined);
    const moveArgs = { completionNote, evidence, allowNoEvidence, failureNote, blockedReason, cancelReason, reason, epoch };
    assertMoveArguments(status, moveArgs);
    if (status === undefined) return sortie.updateTask(who, ref, fields);
    if (hasFields) {
      throw validationFailed(
        'status',
        'a status move and field edits are separate changes',
        'Send the field edits and the status move as two calls, so each is applied or refused whole.',
      );
    }
    const current = await sortie.getTask(who, ref);
    switch (status) {
      case 'in_progress': {
        // From review, a reviewer sends the task back to its author; the author itself re-claims it.
        if (current.status === 'review' && (await isReviewer(sortie, who, current))) return sortie.returnFromReview(who, ref, reason);
        if (reason !== undefined)
          throw notForThisMove('reason', 'sending a task back from review (by its reviewer)', `claiming task ${current.key ?? current.taskId}`);
        return sortie.checkoutTask(who, ref);
      }
      case 'review':
      case 'done': {
        const input = { completionNote: completionNote ?? '', evidence, allowNoEvidence, epoch };
        return status === 'done' ? sortie.completeTask(who, ref, input) : sortie.submitForReview(who, ref, input);
      }
      case 'blocked':
        return sortie.blockTask(who, ref, { reason: blockedReason ?? reason, epoch });
      case 'failed':
        return sortie.failTask(who, ref, failureNote ?? reason ?? '', epoch);
      case 'cancelled':
        return sortie.cancelTask(who, ref, cancelReason ?? reason ?? '');
      case 'todo':
        if (current.status === 'in_progress') return sortie.releaseTask(who, ref, reason, epoch);
        if (epoch !== undefined) throw notForThisMove('epoch', 'releasing a claim (in_progress → todo)', `moving a ${current.status} task to todo`);
        if (current.status === 'blocked') return sortie.unblockTask(who, ref, reason);
        return sortie.reopenTask(who, ref, reason ?? '');
    }
  },
});

/**
 * Which update_task arguments each status move takes. An argument the requested change does not use is refused,
 * never dropped: a cancelReason sent with a priority edit would otherwise vanish while the call reports success.
 */
const MOVE_ARGUMENTS: Readonly<Record<TaskStatus, readonly (keyof MoveArgs)[]>> = {
  todo: ['reason', 'epoch'],
  in_progress: ['reason'],
  review: ['completionNote', 'evidence', 'allowNoEvidence', 'epoch'],
  done: ['completionNote', 'evidence', 'allowNoEvidence', 'epoch'],
  blocked: ['blockedReason', 'reason', 'epoch'],
  failed: ['failureNote', 'reason', 'epoch'],
  cancelled: ['cancelReason', 'reason'],
};

/** Where each status-move argument belongs, for the refusal's hint. */
const ARGUMENT_USE: Readonly<Record<keyof MoveArgs, string>> = {
  completionNote: 'status review or done',
  evidence: 'status review or done',
  allowNoEvidence: 'status review or done',
  failureNote: 'status failed',
  blockedReason: 'status blocked',
  cancelReason: 'status cancelled',
  reason: 'status todo (reopen, release, unblock), in_progress (back from review), blocked, failed or cancelled',
  epoch: 'status todo (release), review, done, blocked or failed',
};

interface MoveArgs {
  completionNote?: string;
  evidence?: unknown[];
  allowNoEvidence?: string;
  failureNote?: string;
  blockedReason?: string;
  cancelReason?: string;
  reason?: string;
  epoch?: number;
}

function notForThisMove(field: string, belongsTo: string, change: string) {
  return validationFailed(field, `does not apply to ${change}; it belongs to ${belongsTo}`, `Drop "${field}", or send it with the change it belongs to.`);
}

/** Refuses status-move arguments the requested change would not use, and two arguments for one value. */
function assertMoveArguments(status: TaskStatus | undefined, args: MoveArgs): void {
  const given = (Object.keys(args) as (keyof MoveArgs)[]).filter((k) => args[k] !== undefined);
  const allowed: readonly (keyof MoveArgs)[] = status === undefined ? [] : MOVE_ARGUMENTS[status];
  for (const field of given) {
    if (!allowed.includes(field)) throw notForThisMove(field, ARGUMENT_USE[field], status === undefined ? 'field edits (no status given)' : `status ${status}`);
  }
  for (const alias of ['blockedReason', 'failureNote', 'cancelReason'] as const) {
    if (args[alias] !== undefined && args.reason !== undefined) {
      throw validationFailed('reason', `${alias} and reason are the same value here; pass one`, `Send only ${alias}.`);
    }
  }
}

async function isReviewer(sortie: Sortie, who: Actor, task: Task): Promise<boolean> {
  if (task.claim?.claimedBy === who.agent) return false;
  if (task.createdBy === who.agent) return true;
  if (!task.missionId) return false;
  const mission = await sortie.getMission(who, task.missionId);
  return mission.pilot === who.agent || mission.createdBy === who.agent;
}

export const addTaskDependency = defineTool({
  name: 'add_task_dependency',
  title: 'Add dependency',
  description: 'Append dependencies to a task. Unknown ids and cycles are refused (the error names the cycle).',
  input: { ...taskRef, dependsOn, ...IdentityShape },
  output: TaskOut,
  annotations: WRITE_IDEMPOTENT,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.addTaskDependency(actor(args), args, Array.isArray(args.dependsOn) ? args.dependsOn : [args.dependsOn]),
});

export const removeTaskDependency = defineTool({
  name: 'remove_task_dependency',
  title: 'Remove dependency',
  description: 'Remove dependencies from a task.',
  input: { ...taskRef, dependsOn, ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.removeTaskDependency(actor(args), args, Array.isArray(args.dependsOn) ? args.dependsOn : [args.dependsOn]),
});

export const deleteTask = defineTool({
  name: 'delete_task',
  title: 'Delete task',
  description: 'Delete a task that has no history beyond its creation (creator only). Anything else: cancel_task.',
  input: { ...taskRef, ...IdentityShape },
  output: z.object({ deleted: z.literal(true), taskId: z.string() }),
  annotations: DESTRUCTIVE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.deleteTask(actor(args), args),
});

export const cancelTask = defineTool({
  name: 'cancel_task',
  title: 'Cancel task',
  description: 'Cancel an open task, with a reason (creator or mission pilot). Cancelled dependencies satisfy their dependents.',
  input: { ...taskRef, cancelReason: Reason.describe('Why it is cancelled'), ...IdentityShape },
  output: TaskOut,
  annotations: DESTRUCTIVE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.cancelTask(actor(args), args, args.cancelReason),
});

export const reopenTask = defineTool({
  name: 'reopen_task',
  title: 'Reopen task',
  description: 'Return a done, cancelled or failed task to todo, with a reason. A mission in validate goes back to execute.',
  input: { ...taskRef, reason: Reason.describe('Why it is reopened'), ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.reopenTask(actor(args), args, args.reason),
});

export const TASK_TOOLS = [createTask, getTask, listTasks, updateTask, addTaskDependency, removeTaskDependency, cancelTask, reopenTask, deleteTask];
