// Who may be put on a roster. Once any token exists (fleet mode), a mission's pilot and agents and a task's assignee
// must be agents that can reach the project: holders of a live token whose scope covers it (a token with no
// projects covers every one). Anyone else could never see the work they were given. Without tokens (one machine,
// identities by --agent) any valid name is accepted.
import { DomainError } from '../core/errors.js';
import type { Db } from '../db/database.js';
import { agentsCovering, rosterCoverage } from '../db/tokens-repo.js';

/** How many agents that can see the project a refusal suggests. */
const SUGGESTIONS = 5;

/** The names one argument puts on a roster; `note` says where they came from when the caller did not name them. */
export interface RosterArgument {
  field: string;
  agents: readonly string[];
  note?: string;
}

/**
 * Refuses, with VALIDATION_FAILED naming the first argument that holds one and every unknown agent in it, any agent
 * without a live token covering `project` — when tokens exist. One statement answers both whether tokens exist and
 * who is covered (rosterCoverage); a refusal reads once more, for its suggestions. Called inside the use case's
 * transaction (or just before its write, for recurring definitions), before anything is written.
 */
export async function assertRoster(db: Db, project: string, args: readonly RosterArgument[]): Promise<void> {
  const named = args.flatMap((a) => a.agents);
  if (named.length === 0) return;
  const { tokensExist, covered } = await rosterCoverage(db, project, named);
  if (!tokensExist) return;
  const failing = args.find((a) => a.agents.some((agent) => !covered.has(agent)));
  if (!failing) return;
  const unknown = [...new Set(failing.agents.filter((agent) => !covered.has(agent)))];
  const found = await agentsCovering(db, project, SUGGESTIONS + 1);
  const candidates = found.slice(0, SUGGESTIONS);
  const who = unknown.join(', ');
  const issue = `sortie token create --agent ${unknown[0]} --project ${project}${failing.field === 'pilot' ? ' --role pilot' : ''}`;
  const pick = candidates.length
    ? `or pick an agent that can see project ${project}: ${candidates.join(', ')}${found.length > SUGGESTIONS ? ', …' : ''}`
    : `no agent holds a token for project ${project} yet`;
  throw new DomainError(
    'VALIDATION_FAILED',
    `${failing.field}: ${who} ${unknown.length === 1 ? 'holds' : 'hold'} no token for project ${project}${failing.note ? ` (${failing.note})` : ''}`,
    `Agents on a roster must hold a live token covering the project. Issue one (${issue}), ${pick}.`,
    { field: failing.field, agents: unknown, project, candidates },
  );
}
