// Task tools: create, read, list, edit (including VantagePeers-style status moves), dependencies, delete.
import { z } from 'zod';
import { validationFailed } from '../../core/errors.js';
import { Name } from '../../core/identity.js';
import { OneOrMany, Reason } from '../../service/inputs.js';
import { assertMoveArguments, MoveArguments, MoveTaskInput } from '../../service/task-moves.js';
import { CreateTaskInput, ListTasksInput, UpdateTaskFields } from '../../service/tasks.js';
import { ALL, MANAGERS } from '../profiles.js';
import { taskPage, taskRecord } from '../responses.js';
import { TaskOut, TaskPageOut } from '../schemas.js';
import { ClaimIdentityShape, DESTRUCTIVE, defineTool, IdentityShape, READ, WRITE, WRITE_IDEMPOTENT } from '../tool.js';

export const taskRef = {
  taskId: z.string().describe('Id, or T-key with missionId'),
  missionId: z.string().optional(),
};
const dependsOn = OneOrMany.describe(`Ids or T-keys`);

export const createTask = defineTool({
  name: 'create_task',
  title: 'Create task',
  description: 'Create a task, in a mission (next key T0, T1, …) or alone. Unassigned mission tasks are claimable by its agents.',
  input: { ...CreateTaskInput.shape, createdBy: Name.optional().describe('Optional; must match your identity'), ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  unadvertised: ['assignedToInstance', 'status', 'estimatedMinutes'],
  profiles: MANAGERS,
  handler: async ({ createdBy, callerOrchestrator, ...input }, { sortie, actor }) =>
    taskRecord(await sortie.createTask(actor({ createdBy, callerOrchestrator }), input)),
});

export const getTask = defineTool({
  name: 'get_task',
  title: 'Get task',
  description: 'A task with dependencies, claim (holder, lease expiry, epoch), evidence and notes.',
  input: taskRef,
  output: TaskOut,
  annotations: READ,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, reader }) => taskRecord(await sortie.getTask(reader(), args)),
});

export const listTasks = defineTool({
  name: 'list_tasks',
  title: 'List tasks',
  description: 'Tasks by assignee, status, mission, project; ready: true is the ready queue. Paged.',
  input: ListTasksInput.shape,
  output: TaskPageOut,
  annotations: READ,
  unadvertised: ['updatedSince', 'createdBy'],
  profiles: MANAGERS,
  async handler(args, { sortie, reader }) {
    return taskPage(await sortie.listTasks(reader(), args), args.fields);
  },
});

export const updateTask = defineTool({
  name: 'update_task',
  title: 'Update task',
  description:
    'Edit fields, or move status (not both). review/done need completionNote with evidence; cancelled needs cancelReason; todo from closed reopens (reason).',
  input: {
    ...taskRef,
    ...UpdateTaskFields.shape,
    status: MoveTaskInput.shape.status.optional(),
    ...MoveArguments.shape,
    ...ClaimIdentityShape,
  },
  output: TaskOut,
  annotations: WRITE,
  unadvertised: ['evidence', 'allowNoEvidence', 'epoch', 'assignedToInstance', 'estimatedMinutes', 'leaseMinutes'],
  profiles: MANAGERS,
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
      callerInstance,
      ...fields
    } = args;
    const who = actor({ callerOrchestrator, callerInstance });
    const moveArgs = { completionNote, evidence, allowNoEvidence, failureNote, blockedReason, cancelReason, reason, epoch };
    assertMoveArguments(status, moveArgs);
    if (status === undefined) return taskRecord(await sortie.updateTask(who, { taskId, missionId, ...fields }));
    if (Object.values(fields).some((v) => v !== undefined)) {
      throw validationFailed(
        'status',
        'a status move and field edits are separate changes',
        'Send the field edits and the status move as two calls, so each is applied or refused whole.',
      );
    }
    return taskRecord(await sortie.moveTask(who, { taskId, missionId, status, ...moveArgs }));
  },
});

export const addTaskDependency = defineTool({
  name: 'add_task_dependency',
  title: 'Add dependency',
  description: 'Add dependencies; unknown ids and cycles are refused.',
  input: { ...taskRef, dependsOn, ...IdentityShape },
  output: TaskOut,
  annotations: WRITE_IDEMPOTENT,
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) => taskRecord(await sortie.addTaskDependency(actor(args), args)),
});

export const removeTaskDependency = defineTool({
  name: 'remove_task_dependency',
  title: 'Remove dependency',
  description: 'Remove dependencies.',
  input: { ...taskRef, dependsOn, ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) => taskRecord(await sortie.removeTaskDependency(actor(args), args)),
});

export const deleteTask = defineTool({
  name: 'delete_task',
  title: 'Delete task',
  description: 'Delete a task with no history (creator); otherwise cancel it.',
  input: { ...taskRef, ...IdentityShape },
  output: z.object({ deleted: z.literal(true), taskId: z.string() }),
  annotations: DESTRUCTIVE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.deleteTask(actor(args), args),
});

export const cancelTask = defineTool({
  name: 'cancel_task',
  title: 'Cancel task',
  description: 'Cancel an open task with a reason (creator or pilot). A cancelled dependency satisfies.',
  input: { ...taskRef, cancelReason: Reason.describe('Why it is cancelled'), ...IdentityShape },
  output: TaskOut,
  annotations: DESTRUCTIVE,
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) => taskRecord(await sortie.cancelTask(actor(args), args)),
});

export const reopenTask = defineTool({
  name: 'reopen_task',
  title: 'Reopen task',
  description: 'Return a closed task to todo with a reason; a mission in validate goes back to execute.',
  input: { ...taskRef, reason: Reason.describe('Why it is reopened'), ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) => taskRecord(await sortie.reopenTask(actor(args), args)),
});

export const TASK_TOOLS = [createTask, getTask, listTasks, updateTask, addTaskDependency, removeTaskDependency, cancelTask, reopenTask, deleteTask];
