// A mission as the dashboard shows it: brief, dependency graph with the critical path, tasks, deliverables with
// their evidence and links, warnings, the event timeline, and what the caller may do to it.

import { z } from 'zod';
import { iso } from '../core/clock.js';
import { criticalPath } from '../core/dependency-graph.js';
import type { MissionStatus, TaskStatus } from '../core/enums.js';
import type { Deliverable } from '../core/evidence.js';
import { missionEvidenceProblems } from '../core/evidence.js';
import { evidenceLink, safeRepoUrl } from '../core/evidence-links.js';
import { meets, requirementOf } from '../core/evidence-tier.js';
import { allowedMissionMoves, moveNeedsReason } from '../core/mission-lifecycle.js';
import type { Actor, EvidenceRecord, MissionDetail, SortieEvent, Task } from '../core/model.js';
import { can } from '../core/permissions.js';
import { mayMoveMission, mayReportProgress } from '../core/policy.js';
import { isTerminalMission, satisfiesDependency } from '../core/status-traits.js';
import { latestEvents, stalledCounts, taskAggregates, tasksByIds } from '../db/board-repo.js';
import { lastEventSeq } from '../db/events-repo.js';
import { linkedRepos } from '../db/github-repo.js';
import { getProject } from '../db/projects-repo.js';
import type { GithubLinksTable } from '../db/schema.js';
import { canSeeProject, readMission, TaskRefFields } from './access.js';
import { DEFAULT_STALLED_MINUTES, isOverdue, type MissionWarnings, summarize } from './board.js';
import { githubLinks } from './ci-evidence.js';
import type { ServiceDeps } from './context.js';
import { toEvent } from './feed.js';
import { parseInput, SeqInput } from './inputs.js';
import { getMission } from './missions.js';
import { getTask } from './tasks.js';

export const MissionPageInput = z.object({
  missionId: z.string(),
  stalledMinutes: z.number().int().min(1).max(43_200).optional().describe('Minutes a ready task may wait unclaimed before it counts as stalled'),
  eventsLimit: z.number().int().min(1).max(500).optional().describe('Timeline entries to include, newest first (default 100)'),
});
export type MissionPageInput = z.input<typeof MissionPageInput>;

export const TimelineInput = z.object({
  missionId: z.string(),
  before: SeqInput.min(1).optional().describe('Only events with a sequence number below this (the previous page ends there)'),
  limit: z.number().int().min(1).max(500).optional().describe('Page size, default 100'),
});
export type TimelineInput = z.input<typeof TimelineInput>;

/** An item with where to look at it; a PR of a linked GitHub repository also links to its checks. */
export type EvidenceView = EvidenceRecord & { link: string | null; checksLink?: string };
export type TaskView = Omit<Task, 'evidence'> & { evidence: EvidenceView[] };

export interface GraphNode {
  id: string;
  key: string | null;
  title: string;
  status: TaskStatus;
  priority: string | null;
  assignedTo: string | null;
  /** The agent holding the claim, and when its lease runs out. */
  holder: string | null;
  holderInstance: string | null;
  leaseExpiresAt: string | null;
  ready: boolean;
  critical: boolean;
  /** A dependency in another mission; `hidden` when the caller's scope does not cover its project. */
  external: boolean;
  missionId: string | null;
}

export interface GraphEdge {
  /** The dependency: it must be done (or cancelled) first. */
  from: string;
  /** The task that waits on it. */
  to: string;
  critical: boolean;
}

export interface DeliverableView extends Deliverable {
  /** proven: an accepted, non-failed, current item; failed: items exist but all failed verification. */
  state: 'proven' | 'missing' | 'failed';
  evidence: EvidenceView[];
}

export interface Timeline {
  events: SortieEvent[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  before: number | null;
}

export interface MissionPage {
  generatedAt: string;
  lastSeq: number;
  repoUrl: string | null;
  mission: Omit<MissionDetail, 'tasks' | 'evidence'> & { tasks: TaskView[]; evidence: EvidenceView[] };
  graph: { nodes: GraphNode[]; edges: GraphEdge[]; criticalPath: string[] };
  deliverables: DeliverableView[];
  /** What the completion gate would still refuse (empty when evidence is in place). */
  evidenceProblems: string[];
  warnings: MissionWarnings;
  stalledMinutes: number;
  moves: Array<{ to: MissionStatus; needsReason: boolean }>;
  /** What the caller may do from the page; the service checks again on every action. */
  permissions: { move: boolean; progress: boolean };
  timeline: Timeline;
}

type Links = ReadonlyArray<Pick<GithubLinksTable, 'repo' | 'display_name'>>;

function withLink(e: EvidenceRecord, repoUrl: string | null, project: string, links: Links): EvidenceView {
  const github = links.length ? githubLinks(e.kind, e.value, project, links) : null;
  if (github) return { ...e, link: github.link, ...(github.checks ? { checksLink: github.checks } : {}) };
  return { ...e, link: evidenceLink(e.kind, e.value, repoUrl) };
}

/**
 * The graph: a node per task of the mission, plus dependencies outside it (shown as external nodes), edges from
 * a dependency to its dependent, and the critical path — the longest chain of work still open.
 */
export function buildGraph(tasks: readonly Task[], external: ReadonlyArray<GraphNode>): MissionPage['graph'] {
  const nodes: GraphNode[] = tasks.map((t) => ({
    id: t.taskId,
    key: t.key,
    title: t.title,
    status: t.status,
    priority: t.priority,
    assignedTo: t.assignedTo,
    holder: t.claim?.claimedBy ?? null,
    holderInstance: t.claim?.claimedByInstance ?? null,
    leaseExpiresAt: t.claim?.leaseExpiresAt ?? null,
    ready: t.ready,
    critical: false,
    external: false,
    missionId: t.missionId,
  }));
  nodes.push(...external);
  const known = new Set(nodes.map((n) => n.id));
  const edges: GraphEdge[] = [];
  const dependsOn = new Map<string, string[]>();
  for (const t of tasks) {
    const deps = t.dependsOn.filter((d) => known.has(d));
    dependsOn.set(t.taskId, deps);
    for (const d of deps) edges.push({ from: d, to: t.taskId, critical: false });
  }
  // Done and cancelled tasks weigh nothing; everything else (failed included, since it blocks its dependents) is work.
  const status = new Map(nodes.map((n) => [n.id, n.status]));
  const weight = (id: string) => {
    const s = status.get(id);
    return s !== undefined && satisfiesDependency(s) ? 0 : 1;
  };
  let path = criticalPath(
    nodes.map((n) => n.id),
    dependsOn,
    weight,
  );
  // A path of finished work is no path: nothing is left to hurry.
  if (path.every((id) => weight(id) === 0)) path = [];
  const onPath = new Set(path);
  for (const n of nodes) n.critical = onPath.has(n.id);
  for (let i = 1; i < path.length; i++) {
    const edge = edges.find((e) => e.from === path[i - 1] && e.to === path[i]);
    if (edge) edge.critical = true;
  }
  return { nodes, edges, criticalPath: path };
}

function deliverableViews(deliverables: readonly Deliverable[], evidence: readonly EvidenceView[]): DeliverableView[] {
  return deliverables.map((d) => {
    const items = evidence.filter((e) => e.deliverable === d.name);
    const current = items.filter((e) => !e.supersededBy);
    const proven = current.some((e) => e.verification !== 'failed' && d.acceptedKinds.some((k) => meets(e, requirementOf(k))));
    const failed = !proven && current.length > 0 && current.every((e) => e.verification === 'failed');
    return { ...d, state: proven ? 'proven' : failed ? 'failed' : 'missing', evidence: items };
  });
}

export async function missionTimeline(deps: ServiceDeps, actor: Actor, raw: TimelineInput): Promise<Timeline> {
  const input = parseInput(TimelineInput, raw);
  const row = await readMission(deps.database.kysely, actor, input.missionId);
  return timelinePage(deps, { missionId: row.id }, input.before ?? null, input.limit ?? 100);
}

async function timelinePage(deps: ServiceDeps, where: { missionId?: string; taskId?: string }, before: number | null, limit: number): Promise<Timeline> {
  const rows = await latestEvents(deps.database.kysely, where, before, limit);
  return { events: rows.map(toEvent), before: rows.length === limit ? rows[rows.length - 1].seq : null };
}

export async function missionPage(deps: ServiceDeps, actor: Actor, raw: MissionPageInput): Promise<MissionPage> {
  const input = parseInput(MissionPageInput, raw);
  const ref = input.missionId;
  const db = deps.database.kysely;
  const nowMs = deps.clock.now();
  const nowIso = iso(nowMs);
  const stalledMinutes = input.stalledMinutes ?? DEFAULT_STALLED_MINUTES;
  const lastSeq = await lastEventSeq(db);
  const detail = await getMission(deps, actor, { missionId: ref });
  const [project, links, aggregates, stalled, timeline] = await Promise.all([
    getProject(db, detail.project),
    linkedRepos(db, detail.project),
    taskAggregates(db, [detail.missionId], nowIso),
    stalledCounts(db, [detail.missionId], iso(nowMs - stalledMinutes * 60_000)),
    timelinePage(deps, { missionId: detail.missionId }, null, input.eventsLimit ?? 100),
  ]);
  const repoUrl = safeRepoUrl(project?.repo_url);

  const inMission = new Set(detail.tasks.map((t) => t.taskId));
  const outside = [...new Set(detail.tasks.flatMap((t) => t.dependsOn).filter((d) => !inMission.has(d)))];
  const external: GraphNode[] = (await tasksByIds(db, outside)).map((r) => {
    const visible = canSeeProject(actor, r.project);
    return {
      id: r.id,
      key: visible ? r.key : null,
      title: visible ? r.title : 'task outside your projects',
      status: r.status,
      priority: null,
      assignedTo: null,
      holder: null,
      holderInstance: null,
      leaseExpiresAt: null,
      ready: false,
      critical: false,
      external: true,
      missionId: visible ? r.mission_id : null,
    };
  });

  const tasks: TaskView[] = detail.tasks.map((t) => ({ ...t, evidence: t.evidence.map((e) => withLink(e, repoUrl, t.project, links)) }));
  const evidence = detail.evidence.map((e) => withLink(e, repoUrl, detail.project, links));
  const summary = summarize(aggregates, stalled).get(detail.missionId);
  const current = detail.evidence.filter((e) => !e.supersededBy);
  const manager = can(actor, 'mission.manage');
  const closed = isTerminalMission(detail.status);
  const { tasks: _tasks, evidence: _evidence, ...mission } = detail;
  return {
    generatedAt: nowIso,
    lastSeq,
    repoUrl,
    mission: { ...mission, tasks, evidence },
    graph: buildGraph(detail.tasks, external),
    deliverables: deliverableViews(detail.deliverables, evidence),
    evidenceProblems: missionEvidenceProblems(detail.deliverables, current),
    warnings: {
      stalled: summary?.stalled ?? 0,
      expiredLeases: summary?.expired ?? 0,
      failed: detail.taskCounts.failed,
      overdue: isOverdue(detail.targetDate, detail.status, nowIso),
      overdueTasks: summary?.overdueTasks ?? 0,
    },
    stalledMinutes,
    moves: allowedMissionMoves(detail.status).map((to) => ({ to, needsReason: moveNeedsReason(detail.status, to) })),
    permissions: {
      move: manager && mayMoveMission(actor, detail, detail.status),
      progress: manager && !closed && mayReportProgress(actor, detail),
    },
    timeline,
  };
}

export interface TaskDetail {
  task: TaskView;
  mission: { missionId: string; name: string; status: MissionStatus } | null;
  repoUrl: string | null;
  timeline: Timeline;
}

/** One task for the detail panel: the task with linked evidence, its mission, and its recent events. */
export const TaskDetailInput = z.object(TaskRefFields);
export type TaskDetailInput = z.input<typeof TaskDetailInput>;

export async function taskDetail(deps: ServiceDeps, actor: Actor, raw: TaskDetailInput): Promise<TaskDetail> {
  const ref = parseInput(TaskDetailInput, raw);
  const db = deps.database.kysely;
  const task = await getTask(deps, actor, ref);
  const [project, links, mission, timeline] = await Promise.all([
    getProject(db, task.project),
    linkedRepos(db, task.project),
    task.missionId ? readMission(db, actor, task.missionId) : Promise.resolve(null),
    timelinePage(deps, { taskId: task.taskId }, null, 50),
  ]);
  const repoUrl = safeRepoUrl(project?.repo_url);
  return {
    task: { ...task, evidence: task.evidence.map((e) => withLink(e, repoUrl, task.project, links)) },
    mission: mission ? { missionId: mission.id, name: mission.name, status: mission.status } : null,
    repoUrl,
    timeline,
  };
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { missionPage, missionTimeline, taskDetail };
