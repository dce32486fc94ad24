// claim_next_task on SQLite: one UPDATE whose WHERE picks the row, RETURNING the claimed task.
//
// The write transaction already holds the database's write lock (BEGIN IMMEDIATE), so the pick needs no row lock and
// the in-progress count inside it is exact. Before, the claim was a pick, then re-reads of the mission, the
// dependencies, the project setting and the instance's tasks in progress, then the update: 12 statements per claim.
// As one statement the pick's own checks are the claim's (nothing is read twice), and the claim's part of a
// claim-and-complete cycle is 7 statements (docs/performance.md, "Statements per use case").
import { sql } from 'kysely';
import type { Db } from './dialect.js';
import type { Prepared } from './prepared.js';
import type { TasksTable } from './schema.js';
import { CLAIMED_EXTRAS, type ClaimedTask, type ClaimNext, claimNextStatement, toClaimed } from './tasks-repo.js';

const statements = new Map<string, Prepared<TasksTable>>();

/** Claims the best ready task for the caller (tasks-repo's claimableBy, under its limit), or undefined when none. */
export async function sqliteClaimNext(tx: Db, claim: ClaimNext): Promise<ClaimedTask | undefined> {
  const { statement, values } = claimNextStatement(
    claim,
    statements,
    ({ set, where }) =>
      sql<TasksTable>`update tasks set ${set} where id = (select t.id from tasks as t where ${where} order by t.urgency, t.id limit 1) returning *, ${CLAIMED_EXTRAS}`,
  );
  return toClaimed((await statement.run(tx, values)).rows[0] as Parameters<typeof toClaimed>[0]);
}
