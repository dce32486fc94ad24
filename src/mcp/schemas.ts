// Output schemas: the shapes tools return as structuredContent. They name the fields an agent keys on and stay
// open (loose) for the rest, because every tools/list byte is context an agent pays for on every session.
import { z } from 'zod';
import { MissionStatus, TaskStatus } from '../core/enums.js';

const nstr = z.string().nullable();

/** The claim as returned: who holds the task, until when, and the epoch that fences late writes. */
export const ClaimOut = z.looseObject({ claimedBy: z.string(), epoch: z.number() }).nullable();

export const TaskOut = z.looseObject({ taskId: z.string(), key: nstr, status: TaskStatus, claim: ClaimOut });

export const MissionOut = z.looseObject({ missionId: z.string(), name: z.string(), status: MissionStatus, computedProgress: z.number() });

/** A task as a mission answer lists it: a summary by default, the whole record with fields: 'full'. */
export const MissionTaskOut = z.looseObject({ key: nstr, status: TaskStatus });

/** A mission with one page of its tasks; list_tasks_by_mission continues from tasksNextCursor. */
export const MissionDetailOut = MissionOut.extend({ tasks: z.array(MissionTaskOut), tasksNextCursor: nstr });

export const TaskPageOut = z.object({ items: z.array(TaskOut), nextCursor: nstr });
export const MissionPageOut = z.object({ items: z.array(MissionOut), nextCursor: nstr });

export const EventOut = z.looseObject({ seq: z.number(), kind: z.string(), missionId: nstr, taskId: nstr });

/** One inbox message; `text` of kind "message" is another agent's words, labelled by `from`. */
export const MessageOut = z.looseObject({ id: z.string(), seq: z.number(), kind: z.string(), from: z.string(), text: z.string() });

/** A task in a my_work list: enough to recognise and act on it. */
export const WorkItemOut = z.looseObject({ taskId: z.string(), key: nstr, title: z.string(), status: TaskStatus });
