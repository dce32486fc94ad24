// The database factory: openDatabase(url) picks the dialect by URL; the one interface it returns is in dialect.ts.
import type { Database, OpenOptions } from './dialect.js';

export type { ClaimNext, Database, Db, DialectName, OpenOptions } from './dialect.js';

/**
 * Opens a database by URL: `postgres://…` or `postgresql://…` for PostgreSQL, `pglite:` / `pglite:DIR` for
 * embedded PostgreSQL (tests), anything else is a SQLite file path (`sqlite:` / `file:` prefixes allowed,
 * `:memory:` for a private in-memory database).
 */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(url, options);
  }
  if (/^pglite:/i.test(url)) {
    const { openPglite } = await import('./postgres.js');
    return openPglite(url.slice('pglite:'.length));
  }
  const { openSqlite } = await import('./sqlite.js');
  return openSqlite(sqliteFile(url) ?? '', options);
}

/** The SQLite file a database URL names ('' or ':memory:' for an in-memory one), or null for PostgreSQL and PGlite. */
export function sqliteFile(url: string): string | null {
  if (/^(postgres(ql)?:\/\/|pglite:)/i.test(url)) return null;
  return url.replace(/^(sqlite|file):(\/\/)?/i, '');
}
