// The enumerations of the compatibility contract: statuses and priorities, lowercase strings. What each status
// means (open, terminal, satisfies a dependency, its label) is in status-traits.ts.
import { z } from 'zod';

export const MISSION_STATUSES = ['brainstorm', 'plan', 'execute', 'validate', 'complete', 'cancelled'] as const;
export const MissionStatus = z.enum(MISSION_STATUSES);
export type MissionStatus = z.infer<typeof MissionStatus>;

export const TASK_STATUSES = ['todo', 'in_progress', 'review', 'blocked', 'done', 'cancelled', 'failed'] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

/** Numeric rank stored beside the priority so "highest first" is an index scan. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority);
}

export const EVIDENCE_KINDS = ['commit', 'pr', 'issue', 'url', 'test_ratio', 'file', 'count'] as const;
export const EvidenceKind = z.enum(EVIDENCE_KINDS);
export type EvidenceKind = z.infer<typeof EvidenceKind>;
export const DEFAULT_ACCEPTED_KINDS: readonly EvidenceKind[] = ['commit', 'pr', 'test_ratio', 'file'];

export const VERIFICATION_STATES = ['verified', 'failed', 'unverified'] as const;
export type Verification = (typeof VERIFICATION_STATES)[number];
