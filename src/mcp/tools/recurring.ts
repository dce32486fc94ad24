// Recurring work tools (VantagePeers names): define, list, read, change, pause, resume and delete schedules.
import { z } from 'zod';
import { Name } from '../../core/identity.js';
import { CreateRecurringInput, ListRecurringInput, UpdateRecurringFields } from '../../service/recurring.js';
import { ADMIN } from '../profiles.js';
import { recurringPage } from '../responses.js';
import { DESTRUCTIVE, defineTool, IdentityShape, READ, WRITE, WRITE_IDEMPOTENT } from '../tool.js';

const RecurringOut = z.looseObject({ recurringTaskId: z.string(), kind: z.string(), paused: z.boolean(), nextRunAt: z.string().nullable() });
const recurringTaskId = z.string();

export const createRecurringTask = defineTool({
  name: 'create_recurring_task',
  title: 'Create recurring task',
  description: 'Schedule a task, or a mission (templateName), on a cron. One instance per due time.',
  input: { ...CreateRecurringInput.shape, createdBy: Name.optional().describe('Optional; must match your identity'), ...IdentityShape },
  output: RecurringOut,
  annotations: WRITE,
  unadvertised: ['assignedToInstance', 'tags'],
  profiles: ADMIN,
  handler: ({ createdBy, callerOrchestrator, ...input }, { sortie, actor }) => sortie.createRecurring(actor({ createdBy, callerOrchestrator }), input),
});

export const listRecurringTasks = defineTool({
  name: 'list_recurring_tasks',
  title: 'List recurring tasks',
  description: 'Recurring definitions with nextRunAt and lastError. Paged.',
  input: ListRecurringInput.shape,
  output: z.object({ items: z.array(RecurringOut), nextCursor: z.string().nullable() }),
  annotations: READ,
  profiles: ADMIN,
  handler: async (args, { sortie, reader }) => recurringPage(await sortie.listRecurring(reader(), args)),
});

export const getRecurringTask = defineTool({
  name: 'get_recurring_task',
  title: 'Get recurring task',
  description: 'A recurring definition, its next due times and recent runs.',
  input: { recurringTaskId },
  output: RecurringOut,
  annotations: READ,
  profiles: ADMIN,
  handler: (args, { sortie, reader }) => sortie.getRecurring(reader(), args),
});

export const updateRecurringTask = defineTool({
  name: 'update_recurring_task',
  title: 'Update recurring task',
  description: 'Change a recurring definition; nextRunAt is recomputed.',
  input: { recurringTaskId, ...UpdateRecurringFields.shape, ...IdentityShape },
  output: RecurringOut,
  annotations: WRITE_IDEMPOTENT,
  unadvertised: ['assignedToInstance', 'tags', 'context', 'brief'],
  profiles: ADMIN,
  handler: ({ recurringTaskId: id, callerOrchestrator, ...fields }, { sortie, actor }) =>
    sortie.updateRecurring(actor({ callerOrchestrator }), { recurringTaskId: id, ...fields }),
});

export const pauseRecurringTask = defineTool({
  name: 'pause_recurring_task',
  title: 'Pause recurring task',
  description: 'Stop creating instances until resumed.',
  input: { recurringTaskId, ...IdentityShape },
  output: RecurringOut,
  annotations: WRITE_IDEMPOTENT,
  profiles: ADMIN,
  handler: (args, { sortie, actor }) => sortie.pauseRecurring(actor(args), args),
});

export const resumeRecurringTask = defineTool({
  name: 'resume_recurring_task',
  title: 'Resume recurring task',
  description: 'Resume from now; missed due times are skipped.',
  input: { recurringTaskId, ...IdentityShape },
  output: RecurringOut,
  annotations: WRITE_IDEMPOTENT,
  profiles: ADMIN,
  handler: (args, { sortie, actor }) => sortie.resumeRecurring(actor(args), args),
});

export const deleteRecurringTask = defineTool({
  name: 'delete_recurring_task',
  title: 'Delete recurring task',
  description: 'Remove a recurring definition; created instances stay.',
  input: { recurringTaskId, ...IdentityShape },
  output: z.looseObject({ deleted: z.boolean(), recurringTaskId: z.string() }),
  annotations: DESTRUCTIVE,
  profiles: ADMIN,
  handler: (args, { sortie, actor }) => sortie.deleteRecurring(actor(args), args),
});

export const RECURRING_TOOLS = [
  createRecurringTask,
  listRecurringTasks,
  getRecurringTask,
  updateRecurringTask,
  pauseRecurringTask,
  resumeRecurringTask,
  deleteRecurringTask,
];
