// Projects: the configured ones a caller may see, and their settings: git repository, web URL, in-progress limit.
import { z } from 'zod';
import { assertRepoUrl } from '../core/evidence-links.js';
import { Name } from '../core/identity.js';
import { DEFAULT_MAX_IN_PROGRESS, inProgressLimit } from '../core/in-progress-limit.js';
import type { Actor } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { getProject, listProjects as listProjectRows, upsertProject } from '../db/projects-repo.js';
import type { ProjectsTable } from '../db/schema.js';
import { assertProjectVisible, canSeeProject } from './access.js';
import { inWrite, type ServiceDeps } from './context.js';
import { parseInput } from './inputs.js';

/** The largest in-progress limit a project may set: past it the rule means nothing. */
const MAX_IN_PROGRESS_SETTING = 1000;

export const ListProjectsInput = z.object({});
export type ListProjectsInput = z.input<typeof ListProjectsInput>;

export const ConfigureProjectInput = z.object({
  name: Name.describe('Project name'),
  repoPath: z.string().nullable().optional().describe('Local git repository, for evidence verification (null clears; absent keeps)'),
  repoUrl: z.string().nullable().optional().describe('Web URL of the repository, for dashboard links (null clears; absent keeps)'),
  maxInProgress: z
    .number()
    .int()
    .min(0)
    .max(MAX_IN_PROGRESS_SETTING)
    .nullable()
    .optional()
    .describe(
      `Tasks in progress allowed per agent instance: N (1–${MAX_IN_PROGRESS_SETTING}), 0 for no limit, null for the default (${DEFAULT_MAX_IN_PROGRESS}); absent keeps`,
    ),
});
export type ConfigureProjectInput = z.input<typeof ConfigureProjectInput>;

/** A project's settings as the use cases return them. */
export interface ProjectView {
  name: string;
  repoPath: string | null;
  repoUrl: string | null;
  /** The stored setting: null is the default (1), 0 is off. */
  maxInProgress: number | null;
  /** The limit in force: a number, or null when the rule is off. */
  inProgressLimit: number | null;
}

/** The configured projects the caller may see (a project-scoped token sees only its own). */
export async function listProjects(deps: ServiceDeps, actor: Actor, raw: ListProjectsInput) {
  parseInput(ListProjectsInput, raw);
  return (await listProjectRows(deps.database.kysely)).filter((p) => canSeeProject(actor, p.name));
}

/**
 * Changes a project's settings — its local git repository (evidence verification), web URL (dashboard links) and
 * in-progress limit (src/core/in-progress-limit.ts) — creating it when new. Only the settings given change: a
 * limit-only change keeps the repository settings, and null clears a setting.
 */
export async function configureProject(deps: ServiceDeps, actor: Actor, raw: ConfigureProjectInput): Promise<ProjectView> {
  authorize(actor, 'project.configure');
  const { name, ...settings } = parseInput(ConfigureProjectInput, raw);
  assertProjectVisible(actor, name);
  const repoUrl = settings.repoUrl === undefined ? undefined : assertRepoUrl(settings.repoUrl);
  const changes = { repo_path: settings.repoPath, repo_url: repoUrl, max_in_progress: settings.maxInProgress };
  return inWrite(deps, actor, async (work) => {
    await upsertProject(work.tx, name, changes, work.now);
    const row = (await getProject(work.tx, name)) as ProjectsTable;
    const given = Object.fromEntries(Object.entries({ ...settings, repoUrl }).filter(([, v]) => v !== undefined));
    work.emit('project.configured', { project: name }, given);
    return {
      name,
      repoPath: row.repo_path,
      repoUrl: row.repo_url,
      maxInProgress: row.max_in_progress,
      inProgressLimit: inProgressLimit(row.max_in_progress),
    };
  });
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { listProjects, configureProject };
