// Working a task: claim (checkout, start, claim next), keep the lease, release, complete, block, fail.
import { z } from 'zod';
import { Name } from '../../core/identity.js';
import { ClaimNextTaskInput } from '../../service/claims.js';
import { BlockInput, CompleteInput } from '../../service/completion.js';
import { Note, Reason } from '../../service/inputs.js';
import { ALL } from '../profiles.js';
import { TaskOut } from '../schemas.js';
import { ClaimIdentityShape, defineTool, WRITE, WRITE_IDEMPOTENT } from '../tool.js';
import { taskRef } from './tasks.js';

const leaseMinutes = z.number().int().min(1).max(10_080).optional().describe("Lease length in minutes (default: the task's, else the server's)");
const takeover = z
  .boolean()
  .optional()
  .describe(
    "Recover your own agent's work: move a live claim held by another instance (session) of your agent to this one, with a new epoch; that session then gets LEASE_LOST. Never takes another agent's claim (FORBIDDEN). my_work lists such tasks under heldElsewhere.",
  );
const epoch = z.number().int().min(0).optional().describe('Claim epoch from your checkout; a stale one is refused with LEASE_LOST');

export const checkoutTask = defineTool({
  name: 'checkout_task',
  title: 'Claim task',
  description:
    'Claim a task atomically with a lease: todo → in_progress. Exactly one concurrent claimant wins — another session (instance) of your own agent included; others get ALREADY_CLAIMED (holder, instance, lease expiry). Every dependency must be done or cancelled.',
  input: { ...taskRef, leaseMinutes, takeover, ...ClaimIdentityShape },
  output: TaskOut.extend({ claimed: z.literal(true) }),
  annotations: WRITE,
  profiles: ALL,
  handler: async (args, { sortie, actor }) => ({
    claimed: true as const,
    ...(await sortie.checkoutTask(actor(args), args)),
  }),
});

export const startTask = defineTool({
  name: 'start_task',
  title: 'Start task',
  description: 'Start a task assigned to you (a claim with a lease): todo → in_progress. Also resumes a blocked task you hold.',
  input: { ...taskRef, leaseMinutes, takeover, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: ALL,
  handler: (args, { sortie, actor }) => sortie.checkoutTask(actor(args), args),
});

export const claimNextTask = defineTool({
  name: 'claim_next_task',
  title: 'Claim next ready task',
  description:
    'Pick and claim the best ready task for you in one step: assigned to you, or unassigned in your missions; most urgent, then oldest. Returns claimed: false when nothing is ready.',
  input: {
    missionId: z.string().optional().describe('Only from this mission'),
    project: Name.optional().describe('Only from this project'),
    leaseMinutes,
    waitSeconds: ClaimNextTaskInput.shape.waitSeconds,
    ...ClaimIdentityShape,
  },
  output: z.object({ claimed: z.boolean(), task: TaskOut.nullable() }),
  annotations: WRITE,
  profiles: ALL,
  async handler(args, { sortie, actor, signal }) {
    const { missionId, project, leaseMinutes, waitSeconds } = args;
    const task = await sortie.awaitNextTask(actor(args), { missionId, project, leaseMinutes, waitSeconds }, signal);
    return { claimed: task !== null, task };
  },
});

export const heartbeatTask = defineTool({
  name: 'heartbeat_task',
  title: 'Extend lease',
  description: 'Extend your lease on a task you hold. Refused with LEASE_LOST if it already expired or was re-claimed.',
  input: { ...taskRef, epoch, leaseMinutes, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE_IDEMPOTENT,
  profiles: ALL,
  handler: (args, { sortie, actor }) => sortie.heartbeatTask(actor(args), args),
});

export const releaseTask = defineTool({
  name: 'release_task',
  title: 'Release task',
  description: 'Hand back a task you hold: in_progress → todo, for someone else to claim.',
  input: { ...taskRef, reason: Reason.optional().describe('Why'), epoch, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: ALL,
  handler: (args, { sortie, actor }) => sortie.releaseTask(actor(args), args),
});

export const completeTask = defineTool({
  name: 'complete_task',
  title: 'Complete task',
  description:
    'Finish a task you hold (or approve one in review): needs completionNote and evidence — commit SHA, PR (#N or URL), issue, url, test ratio (18/18), file path, count (7 files) — parsed from the note and/or listed. "done" alone is refused.',
  input: { ...taskRef, ...CompleteInput.shape, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: ALL,
  handler: (args, { sortie, actor }) => sortie.completeTask(actor(args), args),
});

export const blockTask = defineTool({
  name: 'block_task',
  title: 'Block task',
  description:
    'Mark a task you hold as blocked: say what it waits for (reason, blockedBy, blockedOnTaskId, blockedCause). The lease pauses; start_task resumes.',
  input: { ...taskRef, ...BlockInput.shape, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: ALL,
  handler: (args, { sortie, actor }) => sortie.blockTask(actor(args), args),
});

export const failTask = defineTool({
  name: 'fail_task',
  title: 'Fail task',
  description: 'Mark a task you hold as failed, with what went wrong. A failed dependency does not satisfy its dependents.',
  input: { ...taskRef, failureNote: Note.describe('What failed and what was tried'), epoch, ...ClaimIdentityShape },
  output: TaskOut,
  annotations: WRITE,
  profiles: ALL,
  handler: (args, { sortie, actor }) => sortie.failTask(actor(args), args),
});

export const WORK_TOOLS = [checkoutTask, startTask, claimNextTask, heartbeatTask, releaseTask, completeTask, blockTask, failTask];
