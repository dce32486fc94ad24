// Evidence persistence: typed items attached to a task or to a mission (optionally one of its deliverables).

import type { Db } from './database.js';
import { prepared, preparedByShape, slots } from './prepared.js';
import type { EvidenceTable } from './schema.js';

const EVIDENCE_COLUMNS = [
  'id',
  'project',
  'mission_id',
  'task_id',
  'deliverable',
  'kind',
  'value',
  'note',
  'source',
  'verification',
  'verification_detail',
  'checked_at',
  'created_by',
  'created_at',
  'superseded_by',
] as const satisfies ReadonlyArray<keyof EvidenceTable>;

export async function insertEvidence(tx: Db, rows: readonly EvidenceTable[]): Promise<void> {
  if (rows.length === 0) return;
  // Prepared per number of rows (a completion cites a few items); a long list, or rows with columns the prepared
  // statement does not know (a column added later), are built as before.
  if (rows.length > 10 || Object.keys(rows[0]).length !== EVIDENCE_COLUMNS.length) {
    await tx
      .insertInto('evidence')
      .values([...rows])
      .execute();
    return;
  }
  await INSERT_EVIDENCE(String(rows.length), rows.length).run(
    tx,
    rows.flatMap((r) => EVIDENCE_COLUMNS.map((c) => r[c])),
  );
}

const INSERT_EVIDENCE = preparedByShape((db, n: number) => {
  const values = slots(n * EVIDENCE_COLUMNS.length);
  return db
    .insertInto('evidence')
    .values(
      Array.from({ length: n }, (_, row) =>
        Object.fromEntries(EVIDENCE_COLUMNS.map((c, i) => [c, values[row * EVIDENCE_COLUMNS.length + i]])),
      ) as unknown as EvidenceTable[],
    );
});

export async function evidenceForTasks(db: Db, taskIds: readonly string[]): Promise<Map<string, EvidenceTable[]>> {
  const out = new Map<string, EvidenceTable[]>(taskIds.map((id) => [id, []]));
  for (let i = 0; i < taskIds.length; i += 500) {
    const chunk = taskIds.slice(i, i + 500);
    // One task (every task use case's answer) is a prepared statement; a list is built for its length.
    const rows = chunk.length === 1 ? (await EVIDENCE_OF_ONE.run(db, chunk)).rows : await evidenceQuery(db, chunk).execute();
    for (const r of rows) out.get(r.task_id as string)?.push(r);
  }
  return out;
}

function evidenceQuery(db: Db, taskIds: readonly unknown[]) {
  return db
    .selectFrom('evidence')
    .selectAll()
    .where('task_id', 'in', taskIds as string[])
    .orderBy('id');
}

const EVIDENCE_OF_ONE = prepared((db) => evidenceQuery(db, slots(1)));

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
