// Task tools: create, read, list, edit (including VantagePeers-style status moves), dependencies, delete.
import { z } from 'zod';
import { validationFailed } from '../../core/errors.js';
import { Name } from '../../core/identity.js';
import { MAX_DEPENDS_ON, OneOrMany, Reason } from '../../service/inputs.js';
import { assertMoveArguments, MoveArguments, MoveTaskInput } from '../../service/task-moves.js';
import { CreateTaskInput, ListTasksInput, UpdateTaskFields } from '../../service/tasks.js';
import { pageFields, taskLite } from '../../service/views.js';
import { ALL, MANAGERS } from '../profiles.js';
import { TaskOut, TaskPageOut } from '../schemas.js';
import { ClaimIdentityShape, DESTRUCTIVE, defineTool, IdentityShape, READ, WRITE, WRITE_IDEMPOTENT } from '../tool.js';

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
    status: MoveTaskInput.shape.status.optional(),
    ...MoveArguments.shape,
    ...ClaimIdentityShape,
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
      callerInstance,
      ...fields
    } = args;
    const who = actor({ callerOrchestrator, callerInstance });
    const moveArgs = { completionNote, evidence, allowNoEvidence, failureNote, blockedReason, cancelReason, reason, epoch };
    assertMoveArguments(status, moveArgs);
    if (status === undefined) return sortie.updateTask(who, { taskId, missionId, ...fields });
    if (Object.values(fields).some((v) => v !== undefined)) {
      throw validationFailed(
        'status',
        'a status move and field edits are separate changes',
        'Send the field edits and the status move as two calls, so each is applied or refused whole.',
      );
    }
    return sortie.moveTask(who, { taskId, missionId, status, ...moveArgs });
  },
});

export const addTaskDependency = defineTool({
  name: 'add_task_dependency',
  title: 'Add dependency',
  description: 'Append dependencies to a task. Unknown ids and cycles are refused (the error names the cycle).',
  input: { ...taskRef, dependsOn, ...IdentityShape },
  output: TaskOut,
  annotations: WRITE_IDEMPOTENT,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.addTaskDependency(actor(args), args),
});

export const removeTaskDependency = defineTool({
  name: 'remove_task_dependency',
  title: 'Remove dependency',
  description: 'Remove dependencies from a task.',
  input: { ...taskRef, dependsOn, ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.removeTaskDependency(actor(args), args),
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
  handler: (args, { sortie, actor }) => sortie.cancelTask(actor(args), args),
});

export const reopenTask = defineTool({
  name: 'reopen_task',
  title: 'Reopen task',
  description: 'Return a done, cancelled or failed task to todo, with a reason. A mission in validate goes back to execute.',
  input: { ...taskRef, reason: Reason.describe('Why it is reopened'), ...IdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: (args, { sortie, actor }) => sortie.reopenTask(actor(args), args),
});

export const TASK_TOOLS = [createTask, getTask, listTasks, updateTask, addTaskDependency, removeTaskDependency, cancelTask, reopenTask, deleteTask];
