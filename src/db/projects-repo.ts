// Project settings: the local git repository used to verify evidence, the URL the dashboard links to, and the
// limit on tasks in progress per agent instance.

import type { Db } from './database.js';
import { prepared, slots } from './prepared.js';
import type { ProjectsTable } from './schema.js';

export async function getProject(db: Db, name: string): Promise<ProjectsTable | undefined> {
  return (await PROJECT_BY_NAME.run(db, [name])).rows[0];
}

// Prepared (db/prepared.ts): every completion reads its project's repository to verify evidence.
const PROJECT_BY_NAME = prepared((db) => db.selectFrom('projects').selectAll().where('name', '=', slots(1)[0]));

/** A project's settings; an absent one keeps its stored value (unset on a new project), null clears it. */
export type ProjectSettings = Partial<Pick<ProjectsTable, 'repo_path' | 'repo_url' | 'max_in_progress'>>;

/** Creates the project or changes the settings given, leaving every other setting as it is. */
export async function upsertProject(tx: Db, name: string, settings: ProjectSettings, now: string): Promise<void> {
  const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as ProjectSettings;
  await tx
    .insertInto('projects')
    .values({ name, repo_path: null, repo_url: null, max_in_progress: null, ...given, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ ...given, updated_at: now }))
    .execute();
}

export async function listProjects(db: Db): Promise<ProjectsTable[]> {
  return db.selectFrom('projects').selectAll().orderBy('name').execute();
}
