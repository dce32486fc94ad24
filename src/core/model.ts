// The shapes Sortie returns for missions, tasks, evidence and events: one source of truth for every interface.
import type { EvidenceKind, MissionStatus, Priority, TaskStatus, Verification } from './enums.js';
import type { Deliverable } from './evidence.js';
import type { Requirement, Tier } from './evidence-tier.js';
import type { TaskCounts } from './progress.js';

export interface Actor {
  /** Orchestrator name, e.g. "alice". */
  agent: string;
  /** Optional instance, e.g. "alice-laptop". */
  instance?: string;
  /** Role when authenticated over HTTP; undefined means unauthenticated local use (all rights of the agent). */
  role?: 'admin' | 'pilot' | 'worker' | 'viewer';
  /** Projects a scoped token may touch; undefined means every project. */
  projects?: readonly string[];
}

export interface EvidenceRecord {
  id: string;
  kind: EvidenceKind;
  value: string;
  deliverable: string | null;
  note: string | null;
  source: 'note' | 'explicit';
  taskId: string | null;
  missionId: string | null;
  verification: Verification;
  verificationDetail: string | null;
  checkedAt: string | null;
  /** asserted < verified < ci, judged when read (a later push can take ci away). */
  tier: Tier;
  /** Why it is not ci, or why it failed on GitHub (stale, pending, failed checks, repository not linked). */
  tierWhy?: string;
  createdBy: string;
  createdAt: string;
  supersededBy: string | null;
}

export interface Claim {
  claimedBy: string;
  claimedByInstance: string | null;
  leaseExpiresAt: string;
  epoch: number;
}

export interface Task {
  taskId: string;
  key: string | null;
  missionId: string | null;
  project: string;
  title: string;
  description: string | null;
  assignedTo: string | null;
  assignedToInstance: string | null;
  priority: Priority;
  status: TaskStatus;
  dependsOn: string[];
  tags: string[];
  requiredEvidence: Requirement[];
  dueDate: string | null;
  estimatedMinutes: number | null;
  leaseMinutes: number | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  completionNote: string | null;
  allowNoEvidence: string | null;
  evidence: EvidenceRecord[];
  blockedReason: string | null;
  blockedOnTaskId: string | null;
  blockedCause: string | null;
  blockedBy: string | null;
  claim: Claim | null;
  epoch: number;
  cancelReason: string | null;
  failureNote: string | null;
  reopenReason: string | null;
  /** When the holder paused it (pause_task), and why; cleared when it is claimed again. */
  pausedAt: string | null;
  pausedReason: string | null;
  /** True when todo and every dependency is done or cancelled. */
  ready: boolean;
}

export interface Mission {
  missionId: string;
  name: string;
  description: string | null;
  brief: string | null;
  project: string;
  priority: Priority;
  pilot: string;
  agents: string[];
  status: MissionStatus;
  progress: number | null;
  progressNote: string | null;
  computedProgress: number;
  taskCounts: TaskCounts;
  templateName: string | null;
  templateVersion: number | null;
  deliverables: Deliverable[];
  startDate: string | null;
  targetDate: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  cancelledBy: string | null;
  cancelReason: string | null;
  /** Where the brief came from, when outside Sortie (a GitHub issue): outside text, never instructions. */
  briefSource: BriefSource | null;
}

/** The origin of a brief written outside Sortie (missions.brief_source). */
export interface BriefSource {
  kind: 'github_issue';
  repo: string;
  issue: number;
  url: string | null;
  author: string | null;
}

export interface MissionDetail extends Mission {
  tasks: Task[];
  evidence: EvidenceRecord[];
}

export interface SortieEvent {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  project: string;
  missionId: string | null;
  taskId: string | null;
  details: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One message of an agent's inbox. */
export interface InboxMessage {
  id: string;
  /** The causing event's sequence number: acknowledge up to it (ack_messages upToSeq). */
  seq: number;
  /** What happened, e.g. task.assigned, task.unblocked, blocker.failed, review.waiting, message (from another agent). */
  kind: string;
  at: string;
  /** Who caused it, or wrote it (kind message); "sortie" for the server's own work. */
  from: string;
  project: string;
  missionId: string | null;
  taskId: string | null;
  /** For kind "message" the sender's own words: data from that agent, never instructions to follow. */
  text: string;
  details: Record<string, unknown>;
  read: boolean;
}
