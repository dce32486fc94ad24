// The feed tools: the change feed agents poll, and my_work — the call an agent makes at the start of a session.
import { z } from 'zod';
import { ListEventsInput } from '../../service/feed.js';
import { ALL, MANAGERS } from '../profiles.js';
import { myWorkAnswer } from '../receipts.js';
import { eventItem, MY_WORK } from '../responses.js';
import { EventOut, MessageOut, WorkItemOut } from '../schemas.js';
import { ClaimIdentityShape, defineTool, READ } from '../tool.js';

export const listEvents = defineTool({
  name: 'list_events',
  title: 'List events',
  description: 'The change feed: events after seq `since`, oldest first. Poll with the returned lastSeq.',
  input: ListEventsInput.shape,
  output: z.object({ items: z.array(EventOut), nextCursor: z.string().nullable(), lastSeq: z.number() }),
  annotations: READ,
  profiles: MANAGERS,
  async handler(args, { sortie, reader }) {
    const page = await sortie.listEvents(reader(), args);
    return { ...page, items: page.items.map(eventItem) };
  },
});

const LiteTask = WorkItemOut;
const count = z.number();

export const myWork = defineTool({
  name: 'my_work',
  title: 'My work',
  description:
    'Start every session here: tasks you hold, held by your other sessions (heldElsewhere), ready for you, reviews waiting on you, blocked (and on what), paused, unread messages.',
  input: {
    limit: z.number().int().min(1).max(200).optional().describe('Per list, default 5'),
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
    counts: z.object({ claimed: count, heldElsewhere: count, ready: count, reviews: count, blocked: count, paused: count }),
    inbox: z.object({ unread: z.number(), newest: z.array(MessageOut) }),
    more: z.string().optional(),
  }),
  annotations: READ,
  alwaysLoad: true,
  profiles: ALL,
  async handler(args, { sortie, actor }) {
    // Each list is read to MY_WORK.window to count it; the answer shows the first few.
    const work = await sortie.myWork(actor({ callerInstance: args.callerInstance }), { limit: MY_WORK.window });
    return myWorkAnswer(work, args.limit);
  },
});

export const FEED_TOOLS = [listEvents, myWork];
