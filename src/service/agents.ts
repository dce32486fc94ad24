// Who is in the fleet: every agent seen (acting, holding, assigned, on a mission or with unread messages), what it
// holds, how many messages wait in its inbox and when it last did something.

import { z } from 'zod';
import { iso } from '../core/clock.js';
import type { TaskStatus } from '../core/enums.js';
import type { Actor } from '../core/model.js';
import { agentActivity, agentWorkload, boardFilterOptions, heldTasks } from '../db/board-repo.js';
import { lastEventSeq } from '../db/events-repo.js';
import { unreadCounts } from '../db/messages-repo.js';
import { assertProjectVisible } from './access.js';
import type { ServiceDeps } from './context.js';
import { parseInput } from './inputs.js';

/** The lease sweep and other server-side work act under this name; it is not an agent of the fleet. */
export const SYSTEM_ACTOR = 'sortie';
/** Who acts for a GitHub webhook delivery (see github.ts), as an admin of the linked project: not an agent of the fleet either. */
export const GITHUB_ACTOR = 'github';
const SERVER_ACTORS = new Set([SYSTEM_ACTOR, GITHUB_ACTOR]);

export const AgentsInput = z.object({
  project: z.string().trim().min(1).max(100).optional().describe('Only activity and work in this project'),
});
export type AgentsInput = z.input<typeof AgentsInput>;

export interface HeldTask {
  taskId: string;
  key: string | null;
  title: string;
  status: TaskStatus;
  missionId: string | null;
  missionName: string | null;
  project: string;
  instance: string | null;
  leaseExpiresAt: string | null;
  /** The lease ran out and the sweep has not yet returned the task to todo. */
  expired: boolean;
}

export interface AgentSummary {
  agent: string;
  lastActivityAt: string | null;
  events: number;
  holds: HeldTask[];
  /** Open tasks assigned to the agent. */
  assignedOpen: number;
  /** Open missions it pilots / belongs to (pilot included). */
  piloting: number;
  missions: number;
  /** Messages waiting unread in its inbox (within the caller's projects and the page's project filter). */
  unread: number;
}

export interface AgentsView {
  generatedAt: string;
  lastSeq: number;
  /** Projects the filter can choose from, within the caller's scope. */
  projects: string[];
  agents: AgentSummary[];
}

/** Agents ordered by last activity, newest first; agents never seen acting sort last, by name. */
export async function getAgents(deps: ServiceDeps, actor: Actor, raw: AgentsInput): Promise<AgentsView> {
  const input = parseInput(AgentsInput, raw);
  if (input.project) assertProjectVisible(actor, input.project);
  const db = deps.database.kysely;
  const nowIso = iso(deps.clock.now());
  const scope = { projects: actor.projects, project: input.project };
  const lastSeq = await lastEventSeq(db);
  const [activity, held, workload, options, unread] = await Promise.all([
    agentActivity(db, scope),
    heldTasks(db, scope),
    agentWorkload(db, scope),
    boardFilterOptions(db, actor.projects),
    unreadCounts(db, null, actor.projects, input.project),
  ]);

  const agents = new Map<string, AgentSummary>();
  const entry = (agent: string): AgentSummary => {
    let a = agents.get(agent);
    if (!a) {
      a = { agent, lastActivityAt: null, events: 0, holds: [], assignedOpen: 0, piloting: 0, missions: 0, unread: 0 };
      agents.set(agent, a);
    }
    return a;
  };
  for (const r of activity) {
    if (SERVER_ACTORS.has(r.agent)) continue;
    const a = entry(r.agent);
    a.lastActivityAt = r.lastAt;
    a.events = r.events;
  }
  for (const r of held) {
    entry(r.claimed_by).holds.push({
      taskId: r.id,
      key: r.key,
      title: r.title,
      status: r.status,
      missionId: r.mission_id,
      missionName: r.mission_name,
      project: r.project,
      instance: r.claimed_by_instance,
      leaseExpiresAt: r.lease_expires_at,
      expired: r.status === 'in_progress' && r.lease_expires_at !== null && r.lease_expires_at < nowIso,
    });
  }
  for (const [agent, n] of workload.assigned) entry(agent).assignedOpen = n;
  for (const [agent, m] of workload.missions) {
    const a = entry(agent);
    a.piloting = m.piloting;
    a.missions = m.member;
  }
  for (const [agent, n] of unread) entry(agent).unread = n;
  const list = [...agents.values()].sort((x, y) => (y.lastActivityAt ?? '').localeCompare(x.lastActivityAt ?? '') || x.agent.localeCompare(y.agent));
  return { generatedAt: nowIso, lastSeq, projects: options.projects, agents: list };
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { agents: getAgents };
