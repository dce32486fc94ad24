// Preparing evidence for a write: validate explicit items, parse the note, verify against the project's repo.

import type { Verification } from '../core/enums.js';
import { type EvidenceInput, type EvidenceItem, mergeEvidence, normalizeEvidence, parseEvidence } from '../core/evidence.js';
import type { Db } from '../db/database.js';
import { getProject } from '../db/projects-repo.js';
import type { EvidenceTable } from '../db/schema.js';
import type { ServiceDeps } from './context.js';

export interface CheckedItem extends EvidenceItem {
  verification: Verification;
  verificationDetail: string | null;
  checkedAt: string | null;
}

export interface PreparedEvidence {
  items: CheckedItem[];
  rejected: string[];
}

/**
 * Runs before the write transaction, because verification shells out to git and must not hold the write lock.
 * Explicit items are validated strictly (a malformed one refuses the call); note items are best-effort.
 */
export async function prepareEvidence(
  deps: ServiceDeps,
  db: Db,
  project: string,
  note: string | null | undefined,
  explicit: readonly EvidenceInput[] | undefined,
  /** The project's repository when the caller has read it already (null: it has none); else it is read here. */
  knownRepo?: string | null,
): Promise<PreparedEvidence> {
  const normalized = (explicit ?? []).map((e, i) => normalizeEvidence(e, `evidence[${i}]`));
  const parsed = parseEvidence(note);
  const items = mergeEvidence(normalized, parsed.items);
  const repo = knownRepo !== undefined ? knownRepo : ((await getProject(db, project))?.repo_path ?? null);
  const commits = items.filter((i) => i.kind === 'commit').map((i) => i.value);
  const checked: CheckedItem[] = [];
  for (const item of items) {
    const result = await deps.verifier.verify(repo, item, commits);
    checked.push({
      ...item,
      verification: result.verification,
      verificationDetail: result.detail,
      checkedAt: repo && result.verification !== 'unverified' ? new Date(deps.clock.now()).toISOString() : null,
    });
  }
  return { items: checked, rejected: parsed.rejected };
}

export function evidenceRows(
  deps: ServiceDeps,
  items: readonly CheckedItem[],
  where: { project: string; missionId: string | null; taskId: string | null },
  actor: string,
  now: string,
): EvidenceTable[] {
  return items.map((i) => ({
    id: deps.ids(),
    project: where.project,
    mission_id: where.missionId,
    task_id: where.taskId,
    deliverable: i.deliverable ?? null,
    kind: i.kind,
    value: i.value,
    note: i.note ?? null,
    source: i.source,
    verification: i.verification,
    verification_detail: i.verificationDetail,
    checked_at: i.checkedAt,
    created_by: actor,
    created_at: now,
    superseded_by: null,
  }));
}
