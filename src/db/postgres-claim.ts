// claim_next_task on PostgreSQL: one UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING the claimed task.
//
// SKIP LOCKED hands concurrent claimants different rows instead of queueing them on the same one; the in-progress
// count inside the pick is exact because the instance's claims are serialized first (lockClaimsOf, the statement
// before this one, so this statement's snapshot sees every claim of the instance that committed before it). Each
// statement is a round trip (0.1–0.3 ms here): before, the claim was the pick, then re-reads of the mission, the
// dependencies, the project setting and the instance's tasks in progress, then the update — 12 round trips plus
// BEGIN and COMMIT; now it is this one after the lock (docs/performance.md, "Statements per use case").
import { sql } from 'kysely';
import type { Db } from './dialect.js';
import type { Prepared } from './prepared.js';
import type { TasksTable } from './schema.js';
import { CLAIMED_EXTRAS, type ClaimedTask, type ClaimNext, claimNextStatement, toClaimed } from './tasks-repo.js';

const statements = new Map<string, Prepared<TasksTable>>();

/** Claims the best ready task for the caller (tasks-repo's claimableBy, under its limit), or undefined when none. */
export async function postgresClaimNext(tx: Db, claim: ClaimNext): Promise<ClaimedTask | undefined> {
  const { statement, values } = claimNextStatement(
    claim,
    statements,
    ({ set, where }) =>
      sql<TasksTable>`update tasks set ${set} where id = (select t.id from tasks as t where ${where} order by t.urgency, t.id limit 1 for update skip locked) returning *, ${CLAIMED_EXTRAS}`,
  );
  return toClaimed((await statement.run(tx, values)).rows[0] as Parameters<typeof toClaimed>[0]);
}
