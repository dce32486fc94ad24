// Projects: the configured ones a caller may see, and linking one to its git repository and web URL.
import { z } from 'zod';
import { assertRepoUrl } from '../core/evidence-links.js';
import { Name } from '../core/identity.js';
import type { Actor } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { listProjects as listProjectRows, upsertProject } from '../db/projects-repo.js';
import { assertProjectVisible, canSeeProject } from './access.js';
import { inWrite, type ServiceDeps } from './context.js';
import { parseInput } from './inputs.js';

export const ListProjectsInput = z.object({});
export type ListProjectsInput = z.input<typeof ListProjectsInput>;

export const ConfigureProjectInput = z.object({
  name: Name.describe('Project name'),
  repoPath: z.string().nullable().optional().describe('Local git repository, for evidence verification (null clears)'),
  repoUrl: z.string().nullable().optional().describe('Web URL of the repository, for dashboard links (null clears)'),
});
export type ConfigureProjectInput = z.input<typeof ConfigureProjectInput>;

/** The configured projects the caller may see (a project-scoped token sees only its own). */
export async function listProjects(deps: ServiceDeps, actor: Actor, raw: ListProjectsInput) {
  parseInput(ListProjectsInput, raw);
  return (await listProjectRows(deps.database.kysely)).filter((p) => canSeeProject(actor, p.name));
}

/** Links a project to a local git repository (evidence verification) and a web URL (dashboard links). */
export async function configureProject(deps: ServiceDeps, actor: Actor, raw: ConfigureProjectInput) {
  authorize(actor, 'project.configure');
  const { name, ...settings } = parseInput(ConfigureProjectInput, raw);
  assertProjectVisible(actor, name);
  const repoUrl = assertRepoUrl(settings.repoUrl);
  return inWrite(deps, actor, async (work) => {
    await upsertProject(work.tx, {
      name,
      repo_path: settings.repoPath ?? null,
      repo_url: repoUrl,
      max_in_progress: null,
      created_at: work.now,
      updated_at: work.now,
    });
    work.emit('project.configured', { project: name }, { ...settings, repoUrl });
    return { name, repoPath: settings.repoPath ?? null, repoUrl };
  });
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { listProjects, configureProject };
