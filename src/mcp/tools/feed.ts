// The feed tools: the change feed agents poll, and my_work — the call an agent makes at the start of a session.
import { z } from 'zod';
import { ListEventsInput } from '../../service/feed.js';
import { taskLite } from '../../service/views.js';
import { ALL, MANAGERS } from '../profiles.js';
import { EventOut, MessageOut, TaskOut } from '../schemas.js';
import { ClaimIdentityShape, defineTool, READ } from '../tool.js';

export const listEvents = defineTool({
  name: 'list_events',
  title: 'List events',
  description: 'The change feed: events after seq `since`, oldest first. Poll with the returned lastSeq.',
  input: ListEventsInput.shape,
  output: z.object({ items: z.array(EventOut), nextCursor: z.string().nullable(), lastSeq: z.number() }),
  annotations: READ,
  profiles: MANAGERS,
  handler: (args, { sortie, reader }) => sortie.listEvents(reader(), args),
});

const LiteTask = TaskOut;

export const myWork = defineTool({
  name: 'my_work',
  title: 'My work',
  description:
    'Start every session here: tasks you hold, held by your other sessions (heldElsewhere), ready for you, reviews waiting on you, blocked (and on what), paused, unread messages.',
  input: {
    limit: z.number().int().min(1).max(200).optional().describe('Per list, default 20'),
    callerInstance: ClaimIdentityShape.callerInstance,
  },
  output: z.object({
    agent: z.string(),
    claimed: z.array(LiteTask),
    heldElsewhere: z.array(LiteTask.extend({ instance: z.string().nullable(), leaseExpiresAt: z.string().nullable(), hint: z.string() })),
    ready: z.array(LiteTask),
    reviews: z.array(LiteTask),
    blocked: z.array(LiteTask.extend({ waitsOn: z.looseObject({ taskId: z.string(), status: z.string() }).nullable() })),
    paused: z.array(LiteTask),
    inbox: z.object({ unread: z.number(), newest: z.array(MessageOut) }),
  }),
  annotations: READ,
  alwaysLoad: true,
  profiles: ALL,
  async handler(args, { sortie, actor }) {
    const work = await sortie.myWork(actor({ callerInstance: args.callerInstance }), { limit: args.limit });
    const lite = (list: typeof work.claimed) => list.map((t) => ({ ...taskLite(t), blockedReason: t.blockedReason, blockedOnTaskId: t.blockedOnTaskId }));
    const elsewhere = work.heldElsewhere.map((t) => ({ ...taskLite(t), instance: t.instance, leaseExpiresAt: t.leaseExpiresAt, hint: t.hint }));
    return {
      agent: work.agent,
      claimed: lite(work.claimed),
      heldElsewhere: elsewhere,
      ready: lite(work.ready),
      reviews: lite(work.reviews),
      blocked: work.blocked.map((t) => ({ ...lite([t])[0], blockedCause: t.blockedCause, waitsOn: t.waitsOn })),
      inbox: work.inbox,
      paused: work.paused.map((t) => ({ ...taskLite(t), pausedAt: t.pausedAt, pausedReason: t.pausedReason })),
    };
  },
});

export const FEED_TOOLS = [listEvents, myWork];
