// Evidence persistence: typed items attached to a task or to a mission (optionally one of its deliverables).

import type { Db } from './database.js';
import type { EvidenceTable } from './schema.js';

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

/** A task's still-valid items (not superseded), which count toward its evidence gate. */
export async function currentTaskEvidence(
  db: Db,
  taskId: string,
): Promise<Array<Pick<EvidenceTable, 'kind' | 'value' | 'deliverable' | 'verification' | 'verification_detail'>>> {
  return db
    .selectFrom('evidence')
    .select(['kind', 'value', 'deliverable', 'verification', 'verification_detail'])
    .where('task_id', '=', taskId)
    .where('superseded_by', 'is', null)
    .execute();
}

/** Marks every still-valid item of a task superseded by `by` (a reopen: the old evidence no longer counts). */
export async function supersedeTaskEvidence(tx: Db, taskId: string, by: string): Promise<void> {
  await tx.updateTable('evidence').set({ superseded_by: by }).where('task_id', '=', taskId).where('superseded_by', 'is', null).execute();
}

export async function countTaskEvidence(db: Db, taskId: string): Promise<number> {
  const row = await db
    .selectFrom('evidence')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
