// What an agent reads back from the read tools, sized for a context window. The service returns whole records (the
// CLI and the dashboard show them); the MCP answers are shaped here, and what the work tools answer in receipts.ts.
// Every list in an answer is bounded, and whatever an answer leaves out it counts and says where to read.
import { briefSourceLabel } from '../core/brief-source.js';
import type { EvidenceRecord, MissionDetail, Page, SortieEvent, Task } from '../core/model.js';
import type { RecurringTask } from '../service/recurring.js';
import { missionTasksAfter } from '../service/tasks.js';
import type { TemplateDetail, TemplateSummary } from '../service/templates.js';
import { taskLite } from '../service/views.js';

/**
 * The answers an agent pays for most, in characters of the text it reads (the result's JSON text), by default at
 * any size of the data behind them; test/response-size.test.ts measures each, docs/responses.md states them.
 */
export const RESPONSE_BUDGETS = { get_mission: 12_000, my_work: 4_000, claim_next_task: 1_200, complete_task: 800 } as const;

/** How much of each list and text an answer carries. */
export const BOUNDS = {
  /** Task summaries in a mission answer, fewer when they would pass its budget; list_tasks_by_mission pages on. */
  missionTasks: 50,
  /** Full task records in get_mission {fields: 'full'}. */
  missionTasksFull: 20,
  /** Characters of the brief in a mission answer (get_mission {fields: 'full'} has it whole). */
  brief: 1_500,
  /** Characters of a mission's description in its summary. */
  description: 500,
  /** Characters of a title in a summary list, and of a note or reason shown beside a record. */
  title: 120,
  note: 300,
  /** Agents, deliverables and current evidence items in a mission summary. */
  agents: 20,
  deliverables: 10,
  missionEvidence: 5,
  /** Evidence items in a full mission or task record (the newest). */
  evidence: 20,
  /** Dependencies listed on a full task record; on a task in a list; on a mission's task summary; on a claim. */
  dependsOn: 200,
  dependsOnLite: 20,
  dependsOnSummary: 5,
  dependsOnClaim: 10,
  /** Characters of the title in a claim. */
  claimTitle: 200,
  /** Characters of an evidence value shown in a summary. */
  evidenceValue: 100,
  /** Characters of each text, and items of each list, in an event's details (list_events). */
  eventText: 500,
  eventList: 20,
  /** Templates in list_mission_templates, step keys per template there, versions in get_mission_template. */
  templates: 100,
  templateSteps: 50,
  templateVersions: 20,
} as const;

/** How my_work reads and shows each list by default. */
export const MY_WORK = {
  /** Tasks shown per list when no limit is given (fewer when the answer would pass its budget). */
  shown: 5,
  /** Tasks read per list to count them: counts stop at this (the service's list maximum). */
  window: 200,
  /** Characters of a title, of a blocked task's reason and of each newest message's text. */
  title: 80,
  reason: 100,
  messageText: 200,
} as const;

/** The length of what the model reads for this answer. */
export function answerSize(answer: unknown): number {
  return JSON.stringify(answer).length;
}

/** The text, cut to at most `max` characters (ending in "…" when cut). */
export function clip<T extends string | null>(text: T, max: number): T {
  if (text === null || text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…` as T;
}

/** The first `max` items, and `<name>Count` beside them when there were more. */
function capped<T>(name: string, items: readonly T[], max: number, from: 'start' | 'end' = 'start'): Record<string, T[] | number> {
  if (items.length <= max) return { [name]: [...items] };
  return { [name]: from === 'start' ? items.slice(0, max) : items.slice(-max), [`${name}Count`]: items.length };
}

function evidenceBrief(e: EvidenceRecord) {
  return {
    id: e.id,
    kind: e.kind,
    value: clip(e.value, BOUNDS.evidenceValue),
    deliverable: e.deliverable,
    verification: e.verification,
    tier: e.tier,
    ...(e.tierWhy ? { tierWhy: clip(e.tierWhy, BOUNDS.note) } : {}),
  };
}

/** A whole task record with its lists bounded: its text stays whole (get_task is where it is read). */
export function taskRecord<T extends Task>(t: T): T {
  return { ...t, ...capped('dependsOn', t.dependsOn, BOUNDS.dependsOn), ...capped('evidence', t.evidence, BOUNDS.evidence, 'end') };
}

/** A task as lists show it by default: the lite shape, its dependencies bounded. */
export function taskListItem(t: Task) {
  return { ...taskLite(t), ...capped('dependsOn', t.dependsOn, BOUNDS.dependsOnLite) };
}

/** A page of tasks: lite items by default, whole records (lists bounded) with `fields: 'full'`. */
export function taskPage(page: Page<Task>, fields: 'lite' | 'full' | undefined) {
  return { items: page.items.map((t) => (fields === 'full' ? taskRecord(t) : taskListItem(t))), nextCursor: page.nextCursor };
}

/** A completion without evidence is shown wherever the task is shown, with its stated reason. */
export function noEvidenceReason(t: Task): { allowNoEvidence?: string } {
  return t.allowNoEvidence ? { allowNoEvidence: clip(t.allowNoEvidence, BOUNDS.note) } : {};
}

/** One task of a mission summary: what a pilot or agent needs to see the plan; nulls and empty lists left out. */
function taskSummary(t: Task, keyOf: ReadonlyMap<string, string>) {
  const deps = t.dependsOn.map((id) => keyOf.get(id) ?? id);
  return {
    key: t.key,
    title: clip(t.title, BOUNDS.title),
    status: t.status,
    ...(t.ready ? { ready: true } : {}),
    ...(t.assignedTo ? { assignedTo: t.assignedTo } : {}),
    ...(t.claim ? { claimedBy: t.claim.claimedBy } : {}),
    ...(deps.length ? capped('dependsOn', deps, BOUNDS.dependsOnSummary) : {}),
    ...noEvidenceReason(t),
  };
}

/** The mission's own fields as its summary carries them: long text cut, lists bounded, each cut counted. */
function missionHead(m: MissionDetail) {
  const current = m.evidence.filter((e) => e.supersededBy === null);
  return {
    missionId: m.missionId,
    name: m.name,
    project: m.project,
    status: m.status,
    priority: m.priority,
    pilot: m.pilot,
    ...capped('agents', m.agents, BOUNDS.agents),
    progress: m.progress,
    progressNote: clip(m.progressNote, BOUNDS.note),
    computedProgress: m.computedProgress,
    taskCounts: m.taskCounts,
    description: clip(m.description, BOUNDS.description),
    brief: clip(m.brief, BOUNDS.brief),
    // Outside text (a GitHub issue) says so beside it: a description of the problem, never instructions.
    ...(m.briefSource ? { briefSource: { ...m.briefSource, label: briefSourceLabel(m.briefSource) } } : {}),
    ...(m.brief !== null && m.brief.length > BOUNDS.brief ? { briefChars: m.brief.length } : {}),
    ...capped(
      'deliverables',
      m.deliverables.map((d) => ({ name: clip(d.name, BOUNDS.title), acceptedKinds: d.acceptedKinds })),
      BOUNDS.deliverables,
    ),
    evidence: current.slice(-BOUNDS.missionEvidence).map(evidenceBrief),
    evidenceCount: m.evidence.length,
    templateName: m.templateName,
    templateVersion: m.templateVersion,
    startDate: m.startDate,
    targetDate: m.targetDate,
    createdBy: m.createdBy,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    completedAt: m.completedAt,
    cancelReason: clip(m.cancelReason, BOUNDS.note),
  };
}

/**
 * A mission as get_mission answers by default (and every tool that returns a mission): its fields, task counts and
 * the first task summaries in step order — as many as fit RESPONSE_BUDGETS.get_mission, at most BOUNDS.missionTasks —
 * with the cursor list_tasks_by_mission continues from, and where the whole brief and full records are.
 */
export function missionSummary(m: MissionDetail) {
  const head = missionHead(m);
  const keyOf = new Map(m.tasks.flatMap((t) => (t.key ? [[t.taskId, t.key] as const] : [])));
  const summaries = m.tasks.slice(0, BOUNDS.missionTasks).map((t) => taskSummary(t, keyOf));
  const answer = (shown: number) => {
    const last = summaries[shown - 1];
    const rest = m.tasks.length - shown;
    const cursor = rest > 0 && last?.key ? missionTasksAfter(last.key) : null;
    const more = [
      rest > 0 && `${rest} more task${rest === 1 ? '' : 's'}: list_tasks_by_mission {missionId: "${m.missionId}"${cursor ? ', cursor: tasksNextCursor' : ''}}.`,
      `Whole brief, deliverables, evidence and full task records: get_mission {fields: "full"}.`,
    ].filter(Boolean);
    return { ...head, tasks: summaries.slice(0, shown), tasksNextCursor: cursor, more: more.join(' ') };
  };
  let shown = summaries.length;
  while (shown > 0 && answerSize(answer(shown)) > RESPONSE_BUDGETS.get_mission) shown -= 1;
  return answer(shown);
}

/**
 * get_mission {fields: 'full'}: every field of the mission (the whole brief), its newest evidence items, and one
 * page of whole task records (lists bounded), paged on by list_tasks_by_mission {fields: 'full', cursor}.
 */
export function missionFull(m: MissionDetail, page: Page<Task>) {
  const { tasks: _all, evidence, ...fields } = m;
  const more = page.nextCursor
    ? `${m.taskCounts.total - page.items.length} more tasks: list_tasks_by_mission {missionId: "${m.missionId}", fields: "full", cursor: tasksNextCursor}.`
    : null;
  return {
    ...fields,
    ...capped('evidence', evidence, BOUNDS.evidence, 'end'),
    tasks: page.items.map(taskRecord),
    tasksNextCursor: page.nextCursor,
    ...(more ? { more } : {}),
  };
}

/** A page of missions: briefs are cut even in full records (get_mission {fields: 'full'} has each whole). */
export function missionPageFull<M extends { brief: string | null }>(page: Page<M>): Page<M> {
  return { items: page.items.map((m) => ({ ...m, brief: clip(m.brief, BOUNDS.brief) })), nextCursor: page.nextCursor };
}

/** An event with its details bounded: each text cut, each list shortened (the current state: get_task, get_mission). */
export function eventItem(e: SortieEvent): SortieEvent & { detailsCut?: true } {
  let cut = false;
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e.details)) {
    if (typeof value === 'string' && value.length > BOUNDS.eventText) {
      details[key] = clip(value, BOUNDS.eventText);
      cut = true;
    } else if (Array.isArray(value) && value.length > BOUNDS.eventList) {
      details[key] = value.slice(0, BOUNDS.eventList);
      details[`${key}Count`] = value.length;
      cut = true;
    } else details[key] = value;
  }
  return cut ? { ...e, details, detailsCut: true } : e;
}

/** list_mission_templates: summaries, bounded; each template whole through get_mission_template. */
export function templateList(list: { project: string; items: TemplateSummary[] }) {
  const items = list.items
    .slice(0, BOUNDS.templates)
    // stepCount counts the steps whose keys are cut.
    .map((t) => ({ ...t, description: clip(t.description, BOUNDS.note), steps: t.steps.slice(0, BOUNDS.templateSteps) }));
  return list.items.length > BOUNDS.templates ? { project: list.project, items, total: list.items.length } : { project: list.project, items };
}

/** get_mission_template: the template whole (its steps are bounded by its schema), its newest versions. */
export function templateDetail(t: TemplateDetail) {
  return { ...t, ...capped('versions', t.versions, BOUNDS.templateVersions, 'end') };
}

/** A page of recurring definitions: long text cut (get_recurring_task has it whole). */
export function recurringPage(page: Page<RecurringTask>): Page<RecurringTask> {
  return {
    items: page.items.map((r) => ({ ...r, description: clip(r.description, BOUNDS.note), brief: clip(r.brief, BOUNDS.note) })),
    nextCursor: page.nextCursor,
  };
}
