// Output schemas: the shapes tools return as structuredContent. They name the fields an agent keys on and stay
// open (loose) for the rest, because every tools/list byte is context an agent pays for on every session.
import { z } from 'zod';
import { MissionStatus, TaskStatus } from '../core/enums.js';

const nstr = z.string().nullable();

export const ClaimOut = z.object({ claimedBy: z.string(), leaseExpiresAt: z.string(), epoch: z.number() }).loose().nullable();

export const TaskOut = z.looseObject({
  taskId: z.string(),
  key: nstr,
  missionId: nstr,
  title: z.string(),
  status: TaskStatus,
  dependsOn: z.array(z.string()),
  claim: ClaimOut,
});

export const MissionOut = z.looseObject({
  missionId: z.string(),
  name: z.string(),
  pilot: z.string(),
  status: MissionStatus,
  progress: z.number().nullable(),
  computedProgress: z.number(),
});

export const MissionDetailOut = MissionOut.extend({ tasks: z.array(TaskOut), evidence: z.array(z.looseObject({ kind: z.string(), value: z.string() })) });

export const TaskPageOut = z.object({ items: z.array(TaskOut), nextCursor: nstr });
export const MissionPageOut = z.object({ items: z.array(MissionOut), nextCursor: nstr });

export const EventOut = z.looseObject({ seq: z.number(), kind: z.string(), missionId: nstr, taskId: nstr });
