// Mission persistence: rows, members (pilot and agents, indexed for "missions I belong to"), keyset pages.
import { type SqlBool, sql, type Updateable } from 'kysely';
import type { MissionStatus } from '../core/enums.js';
import { OPEN_TASK_STATUSES } from '../core/status-traits.js';
import type { Database, Db } from './database.js';
import { prepared, slots } from './prepared.js';
import type { MissionsTable } from './schema.js';
import { sqlStatusList } from './status-sql.js';

export async function insertMission(tx: Db, row: MissionsTable): Promise<void> {
  await tx.insertInto('missions').values(row).execute();
}

/** `projects` (a token's scope) is part of the query: a mission outside it reads exactly like a missing one. */
export async function getMissionRow(db: Db, id: string, projects?: readonly string[]): Promise<MissionsTable | undefined> {
  if (projects === undefined) return (await MISSION_BY_ID.run(db, [id])).rows[0];
  return missionById(db, id, projects).executeTakeFirst();
}

function missionById(db: Db, id: unknown, projects?: readonly string[]) {
  return db
    .selectFrom('missions')
    .selectAll()
    .where('id', '=', id as string)
    .$if(projects !== undefined, (q) => q.where('project', 'in', projects as string[]));
}

// Prepared (db/prepared.ts): every close locks its task's mission.
const MISSION_BY_ID = prepared((db) => missionById(db, slots(1)[0]));
const LOCK_MISSION_BY_ID = prepared((db, database: Database) => database.forUpdate(missionById(db, slots(1)[0])));
const SHARE_MISSION_BY_ID = prepared((db, database: Database) => database.forShare(missionById(db, slots(1)[0])));

/**
 * Reads and row-locks a mission (PostgreSQL). Every write that changes a mission's tasks locks the mission
 * first, so task-key allocation and the "last open task closed → validate" check see a stable mission.
 */
export async function lockMissionRow(database: Database, tx: Db, id: string, projects?: readonly string[]): Promise<MissionsTable | undefined> {
  if (projects === undefined) return (await LOCK_MISSION_BY_ID.run(tx, [id], database)).rows[0];
  return database.forUpdate(missionById(tx, id, projects)).executeTakeFirst();
}

/**
 * Reads a mission under a shared row lock (PostgreSQL): closers of its tasks hold it side by side, while a change of
 * the mission itself (FOR UPDATE, lockMissionRow) waits for them and they for it.
 */
export async function shareMissionRow(database: Database, tx: Db, id: string): Promise<MissionsTable | undefined> {
  return (await SHARE_MISSION_BY_ID.run(tx, [id], database)).rows[0];
}

/** Whether a mission is in execute with no open task left: the move to validate is due. */
export async function readyToValidate(db: Db, id: string): Promise<boolean> {
  return (await READY_TO_VALIDATE.run(db, [id])).rows.length > 0;
}

const READY_TO_VALIDATE = prepared((db) => {
  const [id] = slots(1);
  return db
    .selectFrom('missions as m')
    .select('m.id')
    .where('m.id', '=', id as string)
    .where('m.status', '=', 'execute')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('tasks as t')
            .select('t.id')
            .whereRef('t.mission_id', '=', 'm.id')
            .where(sql<SqlBool>`t.status in ${sqlStatusList(OPEN_TASK_STATUSES)}`),
        ),
      ),
    );
});

export async function findMissionsByName(db: Db, name: string, projects: readonly string[] | undefined): Promise<MissionsTable[]> {
  let q = db.selectFrom('missions').selectAll().where('name', '=', name);
  if (projects) q = q.where('project', 'in', projects as string[]);
  return q.orderBy('id', 'desc').limit(10).execute();
}

export async function updateMissionRow(tx: Db, id: string, patch: Updateable<MissionsTable>): Promise<void> {
  await tx.updateTable('missions').set(patch).where('id', '=', id).execute();
}

export async function replaceMembers(tx: Db, missionId: string, pilot: string, agents: readonly string[]): Promise<void> {
  await tx.deleteFrom('mission_members').where('mission_id', '=', missionId).execute();
  const rows = [{ mission_id: missionId, agent: pilot, role: 'pilot' }];
  for (const a of new Set(agents)) if (a !== pilot) rows.push({ mission_id: missionId, agent: a, role: 'agent' });
  await tx.insertInto('mission_members').values(rows).execute();
}

export interface MissionListFilter {
  project?: string;
  projects?: readonly string[];
  pilot?: string;
  agent?: string;
  statuses?: readonly MissionStatus[];
  updatedSince?: string;
}

export async function listMissionRows(db: Db, filter: MissionListFilter, limit: number, afterId: string | null): Promise<MissionsTable[]> {
  let q = db.selectFrom('missions as m').selectAll('m');
  if (filter.project !== undefined) q = q.where('m.project', '=', filter.project);
  if (filter.projects !== undefined) q = q.where('m.project', 'in', filter.projects as string[]);
  if (filter.pilot !== undefined) q = q.where('m.pilot', '=', filter.pilot);
  if (filter.agent !== undefined) {
    const agent = filter.agent;
    q = q.where(({ exists, selectFrom }) =>
      exists(selectFrom('mission_members as mm').select('mm.agent').whereRef('mm.mission_id', '=', 'm.id').where('mm.agent', '=', agent)),
    );
  }
  if (filter.statuses?.length) q = q.where('m.status', 'in', filter.statuses);
  if (filter.updatedSince !== undefined) q = q.where('m.updated_at', '>=', filter.updatedSince);
  if (afterId) q = q.where('m.id', '<', afterId);
  return q
    .orderBy('m.id', 'desc')
    .limit(limit + 1)
    .execute();
}

/**
 * The newest mission, within `projects`, that has both agents as pilot or agents (or, given `missionId`, that one
 * mission if it does): where a message between them belongs. Undefined when they share none.
 */
export async function sharedMission(
  db: Db,
  a: string,
  b: string,
  projects: readonly string[] | undefined,
  missionId?: string,
): Promise<Pick<MissionsTable, 'id' | 'project' | 'name'> | undefined> {
  return db
    .selectFrom('missions as m')
    .innerJoin('mission_members as ma', (j) => j.onRef('ma.mission_id', '=', 'm.id').on('ma.agent', '=', a))
    .innerJoin('mission_members as mb', (j) => j.onRef('mb.mission_id', '=', 'm.id').on('mb.agent', '=', b))
    .select(['m.id', 'm.project', 'm.name'])
    .$if(missionId !== undefined, (q) => q.where('m.id', '=', missionId as string))
    .$if(projects !== undefined, (q) => q.where('m.project', 'in', projects as string[]))
    .orderBy('m.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
