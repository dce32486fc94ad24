// Access-token persistence: rows keyed by their public id; the secret is stored only as a hash.
import type { Updateable } from 'kysely';
import type { Db } from './database.js';
import type { TokensTable } from './schema.js';

export async function insertToken(tx: Db, row: TokensTable): Promise<void> {
  await tx.insertInto('tokens').values(row).execute();
}

export async function getTokenRow(db: Db, id: string): Promise<TokensTable | undefined> {
  return db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listTokenRows(db: Db, includeRevoked: boolean): Promise<TokensTable[]> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .$if(!includeRevoked, (q) => q.where('revoked_at', 'is', null))
    .orderBy('agent')
    .orderBy('id')
    .execute();
}

export async function updateTokenRow(tx: Db, id: string, patch: Updateable<TokensTable>): Promise<void> {
  await tx.updateTable('tokens').set(patch).where('id', '=', id).execute();
}

/**
 * Stamps last use, at most once per `minGapIso` window: the WHERE clause makes concurrent requests of the same
 * token (on any replica) write once instead of queueing on its row for every request.
 */
export async function touchToken(tx: Db, id: string, nowIso: string, minGapIso: string): Promise<void> {
  await tx
    .updateTable('tokens')
    .set({ last_used_at: nowIso })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', minGapIso)]))
    .execute();
}

/** True once any token was ever created (revoked ones included): from then on HTTP requires a token. */
export async function anyToken(db: Db): Promise<boolean> {
  const row = await db.selectFrom('tokens').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Ids per statement: far below SQLite's bound-variable limit (32,766), and one statement for any usual fleet. */
const ACTIVE_CHUNK = 500;

/** Which of `ids` name a token that exists and is not revoked: one statement for every stream a replica holds. */
export async function activeTokenIds(db: Db, ids: readonly string[]): Promise<string[]> {
  const active: string[] = [];
  for (let i = 0; i < ids.length; i += ACTIVE_CHUNK) {
    const chunk = ids.slice(i, i + ACTIVE_CHUNK);
    const rows = await db.selectFrom('tokens').select('id').where('id', 'in', chunk).where('revoked_at', 'is', null).execute();
    for (const row of rows) active.push(row.id);
  }
  return active;
}
