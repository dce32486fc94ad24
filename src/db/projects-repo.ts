// Project settings: the local git repository used to verify evidence, and the URL the dashboard links to.

import type { Db } from './database.js';
import type { ProjectsTable } from './schema.js';

export async function getProject(db: Db, name: string): Promise<ProjectsTable | undefined> {
  return db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function upsertProject(tx: Db, row: ProjectsTable): Promise<void> {
  await tx
    .insertInto('projects')
    .values(row)
    .onConflict((oc) => oc.column('name').doUpdateSet({ repo_path: row.repo_path, repo_url: row.repo_url, updated_at: row.updated_at }))
    .execute();
}

export async function listProjects(db: Db): Promise<ProjectsTable[]> {
  return db.selectFrom('projects').selectAll().orderBy('name').execute();
}
