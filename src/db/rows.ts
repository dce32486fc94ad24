// Row ⇄ domain mapping: JSON text columns are parsed and checked with the same schemas that validate input.
import { z } from 'zod';
import type { TaskStatus, Verification } from '../core/enums.js';
import { validationFailed } from '../core/errors.js';
import type { Deliverable } from '../core/evidence.js';
import { baseTier, EvidenceRequirement } from '../core/evidence-tier.js';
import type { BriefSource, EvidenceRecord, Mission, Task } from '../core/model.js';
import { computedProgress, type TaskCounts } from '../core/progress.js';
import { satisfiesDependency } from '../core/status-traits.js';
import type { EvidenceTable, MissionsTable, TasksTable } from './schema.js';

const StringList = z.array(z.string());
/** Required evidence: kinds, or kind@tier requirements (`pr@ci`), in the same JSON text columns as before tiers. */
const KindList = z.array(EvidenceRequirement);
const DeliverableList = z.array(z.object({ name: z.string(), description: z.string().optional(), acceptedKinds: KindList }));

export function parseJson<T>(schema: z.ZodType<T>, text: string | null, column: string): T {
  // Most list columns hold an empty list; skip the parse and the schema check for it (hot in 1,000-task reads).
  if (text === '[]') return [] as T;
  const parsed = schema.safeParse(JSON.parse(text ?? 'null'));
  if (!parsed.success) throw new Error(`corrupt JSON in column ${column}: ${parsed.error.message}`);
  return parsed.data;
}

export const parseStringList = (text: string | null, column: string) => parseJson(StringList, text, column);
export const parseKindList = (text: string | null, column: string) => parseJson(KindList, text, column);
export const parseDeliverables = (text: string | null): Deliverable[] => parseJson(DeliverableList, text, 'missions.deliverables');

const BriefSourceSchema = z.object({
  kind: z.literal('github_issue'),
  repo: z.string(),
  issue: z.number(),
  url: z.string().nullable().optional(),
  author: z.string().nullable().optional(),
});

export function parseBriefSource(text: string | null): BriefSource | null {
  if (!text) return null;
  const s = parseJson(BriefSourceSchema, text, 'missions.brief_source');
  return { kind: s.kind, repo: s.repo, issue: s.issue, url: s.url ?? null, author: s.author ?? null };
}

/** What GitHub says of an item, when it says more than its stored verification (see service/ci-evidence.ts). */
export interface CiJudgement {
  tier: EvidenceRecord['tier'];
  why: string | null;
  /** Checks failed on GitHub: the item counts as failed, like a failed verification. */
  failed: boolean;
}

export function toEvidence(row: EvidenceTable, ci?: CiJudgement): EvidenceRecord {
  const failed = ci?.failed === true;
  return {
    id: row.id,
    kind: row.kind as EvidenceRecord['kind'],
    value: row.value,
    deliverable: row.deliverable,
    note: row.note,
    source: row.source as EvidenceRecord['source'],
    taskId: row.task_id,
    missionId: row.mission_id,
    verification: failed ? 'failed' : (row.verification as Verification),
    verificationDetail: failed ? ci.why : row.verification_detail,
    checkedAt: row.checked_at,
    tier: ci?.tier ?? baseTier(row.verification),
    ...(ci?.why ? { tierWhy: ci.why } : {}),
    createdBy: row.created_by,
    createdAt: row.created_at,
    supersededBy: row.superseded_by,
  };
}

export interface DepInfo {
  id: string;
  status: TaskStatus;
}

export function toTask(row: TasksTable, deps: readonly DepInfo[], evidence: readonly EvidenceTable[], ci?: ReadonlyMap<string, CiJudgement>): Task {
  const ready = row.status === 'todo' && deps.every((d) => satisfiesDependency(d.status));
  return {
    taskId: row.id,
    key: row.key,
    missionId: row.mission_id,
    project: row.project,
    title: row.title,
    description: row.description,
    assignedTo: row.assigned_to,
    assignedToInstance: row.assigned_to_instance,
    priority: row.priority,
    status: row.status,
    dependsOn: deps.map((d) => d.id),
    tags: parseStringList(row.tags, 'tasks.tags'),
    requiredEvidence: parseKindList(row.required_evidence, 'tasks.required_evidence'),
    dueDate: row.due_date,
    estimatedMinutes: row.estimated_minutes,
    leaseMinutes: row.lease_ms === null ? null : row.lease_ms / 60_000,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    completionNote: row.completion_note,
    allowNoEvidence: row.allow_no_evidence,
    evidence: evidence.map((e) => toEvidence(e, ci?.get(e.id))),
    blockedReason: row.blocked_reason,
    blockedOnTaskId: row.blocked_on_task_id,
    blockedCause: row.blocked_cause,
    blockedBy: row.blocked_by,
    claim:
      row.claimed_by && row.lease_expires_at
        ? {
            claimedBy: row.claimed_by,
            claimedByInstance: row.claimed_by_instance,
            leaseExpiresAt: row.lease_expires_at,
            epoch: row.epoch,
          }
        : null,
    epoch: row.epoch,
    cancelReason: row.cancel_reason,
    failureNote: row.failure_note,
    reopenReason: row.reopen_reason,
    pausedAt: row.paused_at,
    pausedReason: row.paused_reason,
    ready,
  };
}

export function toMission(row: MissionsTable, counts: TaskCounts): Mission {
  return {
    missionId: row.id,
    name: row.name,
    description: row.description,
    brief: row.brief,
    project: row.project,
    priority: row.priority,
    pilot: row.pilot,
    agents: parseStringList(row.agents, 'missions.agents'),
    status: row.status,
    progress: row.progress,
    progressNote: row.progress_note,
    computedProgress: computedProgress(counts),
    taskCounts: counts,
    templateName: row.template_name,
    templateVersion: row.template_version,
    deliverables: parseDeliverables(row.deliverables),
    startDate: row.start_date,
    targetDate: row.target_date,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    cancelledBy: row.cancelled_by,
    cancelReason: row.cancel_reason,
    briefSource: parseBriefSource(row.brief_source),
  };
}

/** Opaque keyset cursors: the sort key of the last row returned. */
export function encodeCursor(key: Array<string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined | null): Array<string | number> | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key;
  } catch {
    // fall through to the refusal below
  }
  throw validationFailed('cursor', 'is not a cursor this server issued', 'Pass the nextCursor of a previous page, or omit it.');
}
