// Builds the views Sortie returns from rows: tasks with dependencies and evidence, missions with counts.

import type { TaskStatus } from '../core/enums.js';
import type { Mission, Page, Task } from '../core/model.js';
import { emptyCounts, type TaskCounts } from '../core/progress.js';
import type { Db } from '../db/database.js';
import { evidenceForTasks } from '../db/evidence-repo.js';
import { type DepInfo, toMission, toTask } from '../db/rows.js';
import type { EvidenceTable, MissionsTable, TasksTable } from '../db/schema.js';
import { depsOf, statusCountsByMission } from '../db/tasks-repo.js';
import { judgeRows } from './ci-evidence.js';

export async function taskViews(db: Db, rows: readonly TasksTable[], withEvidence = true): Promise<Task[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const deps = await depsOf(db, ids);
  const evidence = withEvidence ? await evidenceForTasks(db, ids) : new Map();
  // The ci tier is judged as the view is built (no query unless a pr or commit item is shown).
  const ci = evidence.size ? await judgeRows(db, [...evidence.values()].flat()) : undefined;
  return rows.map((r) => toTask(r, deps.get(r.id) ?? [], evidence.get(r.id) ?? [], ci));
}

/**
 * One task's view; `evidence` and `deps`, when the caller has just read or written all of the task's (or knows it has
 * none), are not read again.
 */
export async function taskView(db: Db, row: TasksTable, evidence?: readonly EvidenceTable[], known?: readonly DepInfo[]): Promise<Task> {
  if (evidence === undefined && known === undefined) return (await taskViews(db, [row]))[0];
  const items = evidence ?? (await evidenceForTasks(db, [row.id])).get(row.id) ?? [];
  const deps = known ? new Map([[row.id, known]]) : await depsOf(db, [row.id]);
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return toTask(row, deps.get(row.id) ?? [], sorted, await judgeRows(db, sorted));
}

export async function missionViews(db: Db, rows: readonly MissionsTable[]): Promise<Mission[]> {
  const counts = await statusCountsByMission(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toMission(r, countsFrom(counts.get(r.id) ?? [])));
}

export function countsFrom(groups: ReadonlyArray<{ status: TaskStatus; n: number }>): TaskCounts {
  const counts = emptyCounts();
  for (const g of groups) {
    counts[g.status] += g.n;
    counts.total += g.n;
  }
  return counts;
}

/**
 * A page as the list tools return it: every field with `fields: 'full'`, else each item through its lite shape
 * (the default, so that a page of 200 stays within an agent's context budget).
 */
export function pageFields<T, L>(page: Page<T>, fields: 'lite' | 'full' | undefined, lite: (item: T) => L): Page<T> | Page<L> {
  return fields === 'full' ? page : { items: page.items.map(lite), nextCursor: page.nextCursor };
}

/** The lite list shape: what a board or an agent needs to pick a mission, without briefs. */
export function missionLite(m: Mission) {
  return {
    missionId: m.missionId,
    name: m.name,
    project: m.project,
    pilot: m.pilot,
    agents: m.agents,
    status: m.status,
    priority: m.priority,
    progress: m.progress,
    computedProgress: m.computedProgress,
    taskCounts: m.taskCounts,
    targetDate: m.targetDate,
    templateName: m.templateName,
    updatedAt: m.updatedAt,
  };
}

export function taskLite(t: Task) {
  return {
    taskId: t.taskId,
    key: t.key,
    missionId: t.missionId,
    project: t.project,
    title: t.title,
    assignedTo: t.assignedTo,
    priority: t.priority,
    status: t.status,
    dependsOn: t.dependsOn,
    ready: t.ready,
    claim: t.claim,
    dueDate: t.dueDate,
    // A completion without evidence is shown wherever the task is shown, with its stated reason.
    allowNoEvidence: t.allowNoEvidence,
    updatedAt: t.updatedAt,
  };
}
