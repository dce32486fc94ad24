// Mission template persistence: one row per version, per project; soft deletes; version allocation that survives races.
// Every query names its project: a project's saved templates are invisible from every other project.
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { MissionTemplatesTable } from './schema.js';

/**
 * Inserts `row` as the next version of its name in its project (at least `minVersion`) and returns the version
 * it got. Two concurrent saves of one name can compute the same number; the unique (project, name, version)
 * index lets exactly one insert through, and the loser (ON CONFLICT DO NOTHING, after waiting for the winner's
 * commit on PostgreSQL) reads the new maximum and tries the next number. On SQLite the write lock already
 * serializes saves.
 */
export async function insertNextTemplateVersion(tx: Db, row: Omit<MissionTemplatesTable, 'version'>, minVersion: number): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const version = Math.max(minVersion, (await maxTemplateVersion(tx, row.project, row.name)) + 1);
    const inserted = await tx
      .insertInto('mission_templates')
      .values({ ...row, version })
      .onConflict((oc) => oc.columns(['project', 'name', 'version']).doNothing())
      .returning('id')
      .execute();
    if (inserted.length === 1) return version;
  }
  throw new Error(`could not allocate a version for template ${row.name} in project ${row.project} after 10 attempts`);
}

export async function maxTemplateVersion(db: Db, project: string, name: string): Promise<number> {
  const row = await db
    .selectFrom('mission_templates')
    .select(({ fn }) => fn.max<number | null>('version').as('v'))
    .where('project', '=', project)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

/** One version saved in the project, or (without a version) its newest one — which may be soft-deleted. */
export async function getTemplateRow(db: Db, project: string, name: string, version?: number): Promise<MissionTemplatesTable | undefined> {
  let q = db.selectFrom('mission_templates').selectAll().where('project', '=', project).where('name', '=', name);
  q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
  return q.executeTakeFirst();
}

/** The newest version of every name saved in the project that is not deleted. */
export async function currentTemplateRows(db: Db, project: string): Promise<MissionTemplatesTable[]> {
  return db
    .selectFrom('mission_templates as t')
    .selectAll('t')
    .where('t.project', '=', project)
    .where('t.deleted_at', 'is', null)
    .where('t.version', '=', (eb) =>
      eb
        .selectFrom('mission_templates as v')
        .select(sql<number>`max(v.version)`.as('m'))
        .whereRef('v.project', '=', 't.project')
        .whereRef('v.name', '=', 't.name'),
    )
    .orderBy('t.name')
    .execute();
}

export async function templateVersions(
  db: Db,
  project: string,
  name: string,
): Promise<Array<Pick<MissionTemplatesTable, 'version' | 'created_by' | 'created_at' | 'deleted_at'>>> {
  return db
    .selectFrom('mission_templates')
    .select(['version', 'created_by', 'created_at', 'deleted_at'])
    .where('project', '=', project)
    .where('name', '=', name)
    .orderBy('version')
    .execute();
}

/** Marks every live version of a name in the project deleted; returns how many were. */
export async function softDeleteTemplate(tx: Db, project: string, name: string, now: string): Promise<number> {
  const result = await tx
    .updateTable('mission_templates')
    .set({ deleted_at: now })
    .where('project', '=', project)
    .where('name', '=', name)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
