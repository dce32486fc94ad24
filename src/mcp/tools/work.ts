// Working a task: claim (checkout, start, claim next), keep the lease, release, complete, block, pause, fail.
import { z } from 'zod';
import { Name } from '../../core/identity.js';
import { ClaimNextTaskInput } from '../../service/claims.js';
import { BlockInput, CompleteInput } from '../../service/completion.js';
import { Epoch, Note, Reason } from '../../service/inputs.js';
import { ALL, MANAGERS } from '../profiles.js';
import {
  blockAnswer,
  checkoutAnswer,
  claimNextAnswer,
  completeAnswer,
  failAnswer,
  heartbeatAnswer,
  pauseAnswer,
  releaseAnswer,
  startAnswer,
} from '../receipts.js';
import { TaskOut } from '../schemas.js';
import { ClaimIdentityShape, defineTool, WRITE, WRITE_IDEMPOTENT } from '../tool.js';
import { taskRef } from './tasks.js';

const leaseMinutes = z.number().int().min(1).max(10_080).optional().describe('Lease minutes');
const takeover = z
  .boolean()
  .optional()
  .describe(
    "Recover your own agent's work: move a live claim held by another instance (session) of your agent to this one, with a new epoch; that session then gets LEASE_LOST. Never takes another agent's claim (FORBIDDEN). my_work lists such tasks under heldElsewhere.",
  );

export const checkoutTask = defineTool({
  name: 'checkout_task',
  title: 'Claim task',
  description: 'Claim a named task with a lease (todo → in_progress); one claimant wins. Dependencies must be done.',
  input: { ...taskRef, leaseMinutes, takeover, ...ClaimIdentityShape },
  output: TaskOut.extend({ claimed: z.literal(true) }),
  annotations: WRITE,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => checkoutAnswer(await sortie.checkoutTask(actor(args), args)),
});

export const startTask = defineTool({
  name: 'start_task',
  title: 'Start task',
  description: 'Start a task assigned to you (a claim), or resume a blocked one you hold.',
  input: { ...taskRef, leaseMinutes, takeover, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  unadvertised: ['takeover'],
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) => startAnswer(await sortie.checkoutTask(actor(args), args)),
});

export const claimNextTask = defineTool({
  name: 'claim_next_task',
  title: 'Claim next ready task',
  description: 'Claim the best ready task for you (yours first, then unassigned in your missions). claimed: false when none.',
  input: {
    missionId: z.string().optional().describe('Only from this mission'),
    project: Name.optional().describe('Only from this project'),
    leaseMinutes,
    waitSeconds: ClaimNextTaskInput.shape.waitSeconds,
    ...ClaimIdentityShape,
  },
  output: z.object({ claimed: z.boolean(), task: TaskOut.nullable(), next: z.string() }),
  annotations: WRITE,
  alwaysLoad: true,
  profiles: ALL,
  async handler(args, { sortie, actor, signal }) {
    const { missionId, project, leaseMinutes, waitSeconds } = args;
    const task = await sortie.awaitNextTask(actor(args), { missionId, project, leaseMinutes, waitSeconds }, signal);
    return claimNextAnswer(task);
  },
});

export const heartbeatTask = defineTool({
  name: 'heartbeat_task',
  title: 'Extend lease',
  description: 'Extend your lease; LEASE_LOST if it expired or was re-claimed.',
  input: { ...taskRef, epoch: Epoch, leaseMinutes, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE_IDEMPOTENT,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => heartbeatAnswer(await sortie.heartbeatTask(actor(args), args)),
});

export const releaseTask = defineTool({
  name: 'release_task',
  title: 'Release task',
  description: 'Hand back a task you hold (back to todo).',
  input: { ...taskRef, reason: Reason.optional(), epoch: Epoch, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => releaseAnswer(await sortie.releaseTask(actor(args), args)),
});

export const completeTask = defineTool({
  name: 'complete_task',
  title: 'Complete task',
  description: 'Finish a task you hold (or approve a review). completionNote must cite evidence: commit SHA, #PR, test ratio 18/18, file path.',
  input: { ...taskRef, ...CompleteInput.shape, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => completeAnswer(await sortie.completeTask(actor(args), args)),
});

export const blockTask = defineTool({
  name: 'block_task',
  title: 'Block task',
  description: 'Block a task you hold: on a task (blockedOnTaskId; clears itself when that is done) or with a reason. start_task resumes.',
  input: { ...taskRef, ...BlockInput.shape, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => blockAnswer(await sortie.blockTask(actor(args), args)),
});

export const pauseTask = defineTool({
  name: 'pause_task',
  title: 'Pause task',
  description: 'Set aside a task you hold, with a reason: back to todo, claim released, assignee kept; claim it to resume.',
  input: { ...taskRef, reason: Reason.describe('Why, and where the work stands'), epoch: Epoch, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => pauseAnswer(await sortie.pauseTask(actor(args), args)),
});

export const failTask = defineTool({
  name: 'fail_task',
  title: 'Fail task',
  description: 'Fail a task you hold, saying what went wrong; it does not satisfy dependents.',
  input: { ...taskRef, failureNote: Note.describe('What failed and what was tried'), epoch: Epoch, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  alwaysLoad: true,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => failAnswer(await sortie.failTask(actor(args), args)),
});

export const WORK_TOOLS = [checkoutTask, startTask, claimNextTask, heartbeatTask, releaseTask, completeTask, blockTask, pauseTask, failTask];
