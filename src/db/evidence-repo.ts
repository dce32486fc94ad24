// Evidence persistence: typed items attached to a task or to a mission (optionally one of its deliverables).
import type { Kysely } from 'kysely';
import type { EvidenceTable, Schema } from './schema.js';

type Db = Kysely<Schema>;

export async function insertEvidence(tx: Db, rows: readonly EvidenceTable[]): Promise<void> {
  if (rows.length)
    await tx
      .insertInto('evidence')
      .values([...rows])
      .execute();
}

export async function evidenceForTasks(db: Db, taskIds: readonly string[]): Promise<Map<string, EvidenceTable[]>> {
  const out = new Map<string, EvidenceTable[]>(taskIds.map((id) => [id, []]));
  for (let i = 0; i < taskIds.length; i += 500) {
    const rows = await db
      .selectFrom('evidence')
      .selectAll()
      .where('task_id', 'in', taskIds.slice(i, i + 500))
      .orderBy('id')
      .execute();
    for (const r of rows) out.get(r.task_id as string)?.push(r);
  }
  return out;
}

/** Mission-level items (not those of its tasks), newest last; superseded items included for the record. */
export async function missionEvidence(db: Db, missionId: string): Promise<EvidenceTable[]> {
  return db.selectFrom('evidence').selectAll().where('mission_id', '=', missionId).where('task_id', 'is', null).orderBy('id').execute();
}

export async function getEvidence(db: Db, id: string): Promise<EvidenceTable | undefined> {
  return db.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function supersedeEvidence(tx: Db, id: string, by: string): Promise<void> {
  await tx.updateTable('evidence').set({ superseded_by: by }).where('id', '=', id).execute();
}

export async function countTaskEvidence(db: Db, taskId: string): Promise<number> {
  const row = await db
    .selectFrom('evidence')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
