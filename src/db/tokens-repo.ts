// Access-token persistence: rows keyed by their public id; the secret is stored only as a hash.
import { sql, type Updateable } from 'kysely';
import type { Db } from './database.js';
import { parseStringList } from './rows.js';
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

/** Whether a token's stored scope (JSON list, or null for every project) covers `project`. */
function scopeCovers(projects: string | null, project: string): boolean {
  return projects === null || parseStringList(projects, 'tokens.projects').includes(project);
}

/**
 * Which of `agents` hold a live token whose scope covers `project`, and whether any token exists at all — in one
 * statement: the named agents' tokens (by the tokens_agent index) plus, by primary key, any one token, so an empty
 * answer means there are no tokens. Scopes are JSON text, so coverage is decided here rather than in dialect SQL;
 * an agent holds a handful of tokens at most. `agents` is a mission's roster at most (MAX_AGENTS).
 */
export async function rosterCoverage(db: Db, project: string, agents: readonly string[]): Promise<{ tokensExist: boolean; covered: Set<string> }> {
  const named = [...new Set(agents)];
  const rows = await db
    .selectFrom('tokens')
    .select(['agent', 'projects', 'revoked_at'])
    .where((eb) =>
      eb.or([...(named.length > 0 ? [eb('agent', 'in', named)] : []), eb('id', '=', eb.selectFrom('tokens as any_token').select('any_token.id').limit(1))]),
    )
    .execute();
  const covered = new Set<string>();
  for (const row of rows) {
    if (row.revoked_at === null && named.includes(row.agent) && scopeCovers(row.projects, project)) covered.add(row.agent);
  }
  return { tokensExist: rows.length > 0, covered };
}

/**
 * Up to `limit` agents (by name) holding a live token that covers `project`: the suggestions of a roster refusal.
 * The LIKE narrows scoped tokens to those whose JSON mentions the name (escaped: names may hold `_`); the exact
 * check follows, since SQLite's LIKE ignores case.
 */
export async function agentsCovering(db: Db, project: string, limit: number): Promise<string[]> {
  const pattern = `%${JSON.stringify(project).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db
    .selectFrom('tokens')
    .select(['agent', 'projects'])
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('projects', 'is', null), sql<boolean>`${eb.ref('projects')} like ${pattern} escape '\\'`]))
    .orderBy('agent')
    .limit(limit * 10)
    .execute();
  const agents = new Set<string>();
  for (const row of rows) if (scopeCovers(row.projects, project)) agents.add(row.agent);
  return [...agents].slice(0, limit);
}
