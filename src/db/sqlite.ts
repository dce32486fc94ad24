// The SQLite dialect: one better-sqlite3 connection per process, WAL, and BEGIN IMMEDIATE for every write.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database, OpenOptions } from './dialect.js';
import { appendEvents } from './events-repo.js';
import { maskCredentials } from './mask-credentials.js';
import { backoffMs, sleep } from './retry.js';
import type { Schema } from './schema.js';
import { sqliteClaimNext } from './sqlite-claim.js';

/** The autocheckpoint backstop: 40 MiB of WAL at 4 KiB pages (see openSqlite). */
const WAL_BACKSTOP_PAGES = 10_000;

/** Attempts before a write gives up; with a 10 s busy timeout per attempt this is minutes of contention. */
const MAX_WRITE_ATTEMPTS = 50;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

export function openSqlite(path: string, options: OpenOptions): Database {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path || ':memory:');
  // busy_timeout first: switching to WAL while another process opens the file may itself meet a lock.
  raw.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  raw.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a killed process (the WAL is on disk before commit returns); only a power loss can
  // drop the last transactions. FULL halves write throughput for that case.
  raw.pragma('synchronous = NORMAL');
  // A commit that crosses the autocheckpoint threshold (1,000 pages by default) copies the WAL back into the database
  // inside that commit: the two COMMITs of a claim and a completion took 0.73 of 2.22 ms in the profile, mostly
  // checkpoints. Server processes checkpoint passively from their sweep timer instead (lease-sweep.ts), which took a
  // raw claim-and-complete loop on Sortie's schema from 1,852 to 2,663 per second. The threshold stays as a backstop,
  // far above what a second of commits writes, so a process without the timer (a long script of CLI calls, a test)
  // still bounds its WAL; closing the last connection checkpoints anyway.
  raw.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
  const kysely = new Kysely<Schema>({
    dialect: new SqliteDialect({ database: withStatementCache(raw) }),
    log: options.onQuery
      ? (e) => {
          if (e.level === 'query') options.onQuery?.(e.query.sql, e.query.parameters);
        }
      : undefined,
  });

  return {
    dialect: 'sqlite',
    // A mistyped URL ("postgress://u:pw@h/db") lands here as a file path, so it is masked too.
    location: maskCredentials(path || ':memory:'),
    kysely,
    async write(fn) {
      for (let attempt = 0; ; attempt++) {
        try {
          // Kysely's own transaction() sends a plain BEGIN, which takes the write lock only at the first write
          // and then fails with SQLITE_BUSY when another process got there first. BEGIN IMMEDIATE takes it up
          // front (waiting up to busy_timeout), so every statement after it runs without a lock conflict.
          return await kysely.connection().execute(async (conn) => {
            await sql`begin immediate`.execute(conn);
            try {
              const result = await fn(conn);
              await sql`commit`.execute(conn);
              return result;
            } catch (error) {
              if (raw.inTransaction) await sql`rollback`.execute(conn);
              throw error;
            }
          });
        } catch (error) {
          if (!isBusy(error) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
          await sleep(backoffMs(attempt));
        }
      }
    },
    forUpdate: (q) => q,
    forShare: (q) => q,
    writesSerialized: true,
    forUpdateSkipLocked: (q) => q,
    // BEGIN IMMEDIATE in write() is the migration lock: one process migrates, the others wait and then find
    // nothing left to do.
    async lockForMigration() {},
    async lockDependencyGraph() {},
    async lockClaimsOf() {},
    claimNext: sqliteClaimNext,
    appendEvents,
    async checkpoint() {
      // Through the connection, so it never runs between the statements of a write transaction of this process.
      // PASSIVE never waits: frames still needed by a reader, or written meanwhile, are copied by the next one.
      await kysely.connection().execute((conn) => sql`pragma wal_checkpoint(passive)`.execute(conn));
    },
    async notify() {},
    async listen() {
      return null;
    },
    async close() {
      await kysely.destroy();
    },
  };
}

/** Prepared statements kept per process; Sortie issues a few hundred distinct statements at most. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew; preparing was 13% of a claim-and-complete cycle in the
 * profile. Statements are reusable (SQLite re-prepares them itself after a schema change) and Kysely's connection
 * mutex means one runs at a time, so a cache keyed by SQL text is safe. Oldest-first eviction bounds it.
 */
function withStatementCache(raw: BetterSqlite3.Database) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = raw.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      raw.close();
    },
  };
}
