// Task tools: create, read, list, edit (including VantagePeers-style status moves), dependencies, delete.
import { z } from 'zod';
import { TaskStatus } from '../../core/enums.js';
import { validationFailed } from '../../core/errors.js';
import { EvidenceInput } from '../../core/evidence.js';
import type { Actor, Task } from '../../core/model.js';
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
const dependsOn = z.union([z.string(), z.array(z.string())]).describe('Task id(s), or T-keys of the same mission');

export const createTask = defineTool({
  name: 'create_task',
  title: 'Create task',
  description:
    'Create a task, optionally in a mission (it gets the next key T0, T1, …) with dependsOn. Unassigned mission tasks are claimable by any agent of the mission.',
  input: { ...CreateTaskInput.shape, createdBy: z.string().optional().describe('Optional; must match your identity'), ...IdentityShape },
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
    completionNote: z.string().optional().describe('For review/done: what was done, citing evidence'),
    evidence: z.array(EvidenceInput).optional().describe('For review/done: explicit evidence items'),
    allowNoEvidence: z.string().optional().describe('For review/done when no evidence can exist: the reason'),
    failureNote: z.string().optional().describe('For failed: what went wrong'),
    blockedReason: z.string().optional().describe('For blocked: what it waits for'),
    cancelReason: z.string().optional().describe('For cancelled: why'),
    reason: z.string().optional().describe('For reopen, release or sending back from review: why'),
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
      case 'in_progress':
        // From review, a reviewer sends the task back to its author; the author itself re-claims it.
        return current.status === 'review' && (await isReviewer(sortie, who, current))
          ? sortie.returnFromReview(who, ref, reason)
          : sortie.checkoutTask(who, ref);
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
        if (current.status === 'blocked') return sortie.unblockTask(who, ref, reason);
        return sortie.reopenTask(who, ref, reason ?? '');
    }
  },
});

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
  input: { ...taskRef, cancelReason: z.string().describe('Why it is cancelled'), ...IdentityShape },
  output: TaskOut,
  annotations: DESTRUCTIVE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.cancelTask(actor(args), args, args.cancelReason),
});

export const reopenTask = defineTool({
  name: 'reopen_task',
  title: 'Reopen task',
  description: 'Return a done, cancelled or failed task to todo, with a reason. A mission in validate goes back to execute.',
  input: { ...taskRef, reason: z.string().describe('Why it is reopened'), ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.reopenTask(actor(args), args, args.reason),
});

export const TASK_TOOLS = [createTask, getTask, listTasks, updateTask, addTaskDependency, removeTaskDependency, cancelTask, reopenTask, deleteTask];
